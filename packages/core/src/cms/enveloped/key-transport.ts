import { constants, type KeyObject, privateDecrypt, publicEncrypt } from "node:crypto";
import { digestByName, digestByOid, OID } from "../../algorithms.js";
import { type BerContext, children, contentBytes, expectTag, readRoot, TAG } from "../../asn1/ber-reader.js";
import { algorithmIdentifier, explicit, nullValue, sequence } from "../../asn1/der-writer.js";
import { CoreError } from "../../errors.js";
import type { Certificate } from "../../pki/certificate.js";
import { rsaPkcs1v15DecryptFixed } from "../../primitives/rsa-pkcs1-decrypt.js";
import { type AlgorithmId, readAlgorithmId, unsupported } from "./recipient-infos.js";

/**
 * RSA key transport for KeyTransRecipientInfo (RFC 5652 §6.2.1): PKCS#1 v1.5 (RFC 3370
 * §4.2.1) and RSAES-OAEP (RFC 3560, RFC 4055 §4.1).
 */
export type OaepHash = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

/** RFC 4055 §2.1: hash identifiers in OAEP parameters carry NULL parameters. */
function hashId(hash: OaepHash): Uint8Array {
  return algorithmIdentifier((digestByName(hash) as { oid: string }).oid, nullValue());
}

/** keyEncryptionAlgorithm for writing: rsaEncryption with NULL, or OAEP with SHA-1 defaults omitted. */
export function encodeKeyTransportAlgorithm(oaep: false | { hash: OaepHash }): Uint8Array {
  if (!oaep) return algorithmIdentifier(OID.rsaEncryption, nullValue());
  if (oaep.hash === "SHA-1") return algorithmIdentifier(OID.rsaesOaep, sequence()); // RFC 4055 §4.1: all defaults
  return algorithmIdentifier(
    OID.rsaesOaep,
    sequence(explicit(0, hashId(oaep.hash)), explicit(1, algorithmIdentifier(OID.mgf1, hashId(oaep.hash)))),
  );
}

export function encryptKeyTransport(
  cert: Certificate,
  cek: Uint8Array,
  oaep: false | { hash: OaepHash },
): Uint8Array {
  if (!oaep) return publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING }, cek);
  return publicEncrypt(
    {
      key: cert.publicKey,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: (digestByName(oaep.hash) as { node: string }).node,
    },
    cek,
  );
}

interface OaepParams {
  hash: string;
  mgfHash: string;
  label: Uint8Array;
}

function parseOaepParams(alg: AlgorithmId, ctx: BerContext): OaepParams {
  const out: OaepParams = { hash: "sha1", mgfHash: "sha1", label: new Uint8Array(0) };
  const p = alg.parameters;
  if (!p || p[0] === TAG.NULL) return out;
  const hashNode = (id: AlgorithmId): string => {
    const digest = digestByOid(id.oid);
    if (!digest || digest.name === "MD5") throw unsupported("RSA-OAEP hash", id.oid);
    return digest.node;
  };
  for (const field of children(p, expectTag(readRoot(p, ctx), TAG.SEQUENCE, "RSAES-OAEP-params"), ctx)) {
    const [inner] = children(p, field, ctx);
    if (!inner) throw new CoreError("malformed", "empty RSAES-OAEP-params field");
    const id = readAlgorithmId(p, inner, ctx);
    if (field.tag === 0xa0) out.hash = hashNode(id);
    else if (field.tag === 0xa1) {
      if (id.oid !== OID.mgf1 || !id.parameters)
        throw unsupported("RSA-OAEP mask generation function", id.oid);
      out.mgfHash = hashNode(readAlgorithmId(id.parameters, readRoot(id.parameters, ctx), ctx));
    } else if (field.tag === 0xa2) {
      if (id.oid !== OID.pSpecified || !id.parameters) throw unsupported("RSA-OAEP label source", id.oid);
      out.label = contentBytes(
        id.parameters,
        expectTag(readRoot(id.parameters, ctx), TAG.OCTET_STRING, "pSpecified label"),
      );
    } else throw new CoreError("malformed", `unexpected RSAES-OAEP-params field 0x${field.tag.toString(16)}`);
  }
  if (out.hash !== out.mgfHash)
    throw new CoreError(
      "unsupported-algorithm",
      `RSA-OAEP with ${out.hash} and MGF1-${out.mgfHash} (different hashes) is not supported`,
    );
  return out;
}

/** Checks the algorithm before any private-key operation, so that "unsupported" is decided publicly. */
export function checkKeyTransportAlgorithm(alg: AlgorithmId, ctx: BerContext): void {
  if (alg.oid === OID.rsaEncryption) return;
  if (alg.oid === OID.rsaesOaep) {
    parseOaepParams(alg, ctx);
    return;
  }
  throw unsupported("key transport algorithm", alg.oid);
}

/**
 * Recovers a CEK of exactly `cekLength` bytes. Never reports a cryptographic failure: a
 * wrong key, bad PKCS#1 padding, an OAEP decoding error or a wrong-length key all yield a
 * substitute key of the right length (implicit rejection for v1.5, random for OAEP), so the
 * failure surfaces at the CBC pad or GCM tag like every other (RFC 3218 §2.3; SMIME-NOTES §4.3).
 */
export function decryptKeyTransport(
  privateKey: KeyObject,
  alg: AlgorithmId,
  encryptedKey: Uint8Array,
  cekLength: number,
  ctx: BerContext,
  rng: (n: number) => Uint8Array,
): Uint8Array {
  if (privateKey.asymmetricKeyType !== "rsa")
    throw new CoreError("invalid-argument", "RSA key transport needs an RSA private key");
  if (alg.oid === OID.rsaEncryption) {
    try {
      return rsaPkcs1v15DecryptFixed(privateKey, encryptedKey, cekLength);
    } catch (error) {
      if (error instanceof CoreError && error.code === "invalid-argument") throw error;
      return rng(cekLength); // publicly invalid ciphertext (longer than n)
    }
  }
  const params = parseOaepParams(alg, ctx);
  const substitute = rng(cekLength);
  let cek: Buffer;
  try {
    cek = privateDecrypt(
      {
        key: privateKey,
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: params.hash,
        oaepLabel: params.label,
      },
      encryptedKey,
    );
  } catch {
    return substitute;
  }
  if (cek.length !== cekLength) {
    cek.fill(0);
    return substitute;
  }
  return cek;
}
