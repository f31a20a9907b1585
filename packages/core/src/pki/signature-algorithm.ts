import { constants, type KeyObject, sign } from "node:crypto";
import { type DigestInfo, digestByName, digestByOid, OID, SIGNATURE_DIGEST } from "../algorithms.js";
import {
  berContext,
  children,
  readOid,
  readRoot,
  readSmallInteger,
  TAG,
  type Tlv,
} from "../asn1/ber-reader.js";
import { algorithmIdentifier, explicit, integer, nullValue, sequence } from "../asn1/der-writer.js";
import { CoreError } from "../errors.js";

/**
 * Signature AlgorithmIdentifiers (RFC 5652 §10.1.2) mapped to node:crypto calls, for CMS
 * SignerInfos and for X.509 certificates and CRLs alike (RFC 5754 §3, RFC 4055 §3.1,
 * RFC 5753 §2.1.1, RFC 8419). Parsing never throws for an algorithm we do not know: it
 * returns `{ unsupported }`, so a verifier can report it as a verdict. Checking a signature is
 * verify-signature.ts.
 */
export type SignatureScheme =
  /** RSASSA-PKCS1-v1_5 (RFC 8017 §8.2). `digest` is set when the OID names one (sha256WithRSA…). */
  | { kind: "rsa-pkcs1"; name: "RSA"; digest: DigestInfo | undefined }
  /** RSASSA-PSS with MGF1 over the same hash (the only form node:crypto can check). */
  | { kind: "rsa-pss"; name: "RSA-PSS"; digest: DigestInfo; saltLength: number }
  /** ECDSA; `digest` undefined for the bare id-ecPublicKey some old senders write. */
  | { kind: "ecdsa"; name: "ECDSA"; digest: DigestInfo | undefined }
  /** PureEdDSA (RFC 8419 §3): no separate hash. */
  | { kind: "ed25519"; name: "Ed25519"; digest: undefined };

const SHA1_OID = "1.3.14.3.2.26"; // RSASSA-PSS-params DEFAULTs (RFC 4055 §3.1)

export type ParsedSignatureAlgorithm = SignatureScheme | { kind: "unsupported"; reason: string };

const RSA_PKCS1_OIDS = new Set<string>([
  OID.rsaEncryption,
  OID.md5WithRSA,
  OID.sha1WithRSA,
  OID.sha224WithRSA,
  OID.sha256WithRSA,
  OID.sha384WithRSA,
  OID.sha512WithRSA,
]);
const ECDSA_OIDS = new Set<string>([
  OID.ecPublicKey,
  OID.ecdsaWithSha1,
  OID.ecdsaWithSha224,
  OID.ecdsaWithSha256,
  OID.ecdsaWithSha384,
  OID.ecdsaWithSha512,
]);

/** `params` is the whole parameters element (TLV), or undefined when absent. */
export function parseSignatureAlgorithm(algorithm: string, params?: Uint8Array): ParsedSignatureAlgorithm {
  const implied = SIGNATURE_DIGEST[algorithm];
  const digest = implied ? digestByName(implied) : undefined;
  if (RSA_PKCS1_OIDS.has(algorithm)) return { kind: "rsa-pkcs1", name: "RSA", digest };
  if (ECDSA_OIDS.has(algorithm)) return { kind: "ecdsa", name: "ECDSA", digest };
  if (algorithm === OID.ed25519) return { kind: "ed25519", name: "Ed25519", digest: undefined };
  if (algorithm === OID.rsassaPss) return parsePssParams(params);
  return { kind: "unsupported", reason: `unsupported signature algorithm ${algorithm}` };
}

/** RSASSA-PSS-params (RFC 4055 §3.1): every field has a SHA-1-era DEFAULT. */
function parsePssParams(params: Uint8Array | undefined): ParsedSignatureAlgorithm {
  if (!params) return { kind: "unsupported", reason: "RSASSA-PSS without parameters" };
  try {
    const ctx = berContext({ maxNodes: 64, maxDepth: 8 });
    const root = readRoot(params, ctx);
    if (root.tag !== TAG.SEQUENCE) return { kind: "unsupported", reason: "bad RSASSA-PSS parameters" };
    let hashOid: string = SHA1_OID;
    let mgfOid: string = OID.mgf1;
    let mgfHashOid: string = SHA1_OID;
    let saltLength = 20;
    let trailer = 1;
    for (const field of children(params, root, ctx)) {
      const [inner] = children(params, field, ctx);
      if (!inner) return { kind: "unsupported", reason: "bad RSASSA-PSS parameters" };
      if (field.tag === 0xa0) hashOid = readAlgorithmIdentifier(params, inner).oid;
      else if (field.tag === 0xa1) {
        mgfOid = readAlgorithmIdentifier(params, inner).oid;
        const [, mgfParams] = children(params, inner, ctx);
        if (!mgfParams) return { kind: "unsupported", reason: "MGF1 without a hash" };
        mgfHashOid = readAlgorithmIdentifier(params, mgfParams).oid;
      } else if (field.tag === 0xa2) saltLength = readSmallInteger(params, inner);
      else if (field.tag === 0xa3) trailer = readSmallInteger(params, inner);
      else return { kind: "unsupported", reason: "unknown RSASSA-PSS parameter" };
    }
    const digest = digestByOid(hashOid);
    if (!digest) return { kind: "unsupported", reason: `RSASSA-PSS with unknown hash ${hashOid}` };
    if (mgfOid !== OID.mgf1)
      return { kind: "unsupported", reason: `RSASSA-PSS with mask generation ${mgfOid}` };
    if (mgfHashOid !== hashOid)
      return {
        kind: "unsupported",
        reason: `RSASSA-PSS with MGF1 hash ${digestByOid(mgfHashOid)?.name ?? mgfHashOid} differing from ${digest.name}`,
      };
    if (trailer !== 1) return { kind: "unsupported", reason: `RSASSA-PSS trailerField ${trailer}` };
    if (saltLength < 0) return { kind: "unsupported", reason: "negative RSASSA-PSS salt length" };
    return { kind: "rsa-pss", name: "RSA-PSS", digest, saltLength };
  } catch (error) {
    if (error instanceof CoreError)
      return { kind: "unsupported", reason: `bad RSASSA-PSS parameters: ${error.message}` };
    throw error;
  }
}

/** What kind of key each scheme needs (node's asymmetricKeyType). */
export function keyMatches(scheme: SignatureScheme, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  switch (scheme.kind) {
    case "rsa-pkcs1":
      return type === "rsa";
    case "rsa-pss":
      return type === "rsa" || type === "rsa-pss";
    case "ecdsa":
      return type === "ec";
    case "ed25519":
      return type === "ed25519";
  }
}

/** node:crypto key options for a scheme (padding, salt length, DER ECDSA signatures). */
export function nodeKeyOptions(scheme: SignatureScheme, key: KeyObject) {
  switch (scheme.kind) {
    case "rsa-pss":
      return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength };
    case "ecdsa":
      return { key, dsaEncoding: "der" as const };
    default:
      return { key, padding: constants.RSA_PKCS1_PADDING };
  }
}

export type SignScheme = "pkcs1" | "pss";

/**
 * The signatureAlgorithm we write for a key, and the signer (RFC 5652 §5.5).
 * RSA PKCS#1 v1.5 is written as rsaEncryption with NULL parameters, as OpenSSL and gpgsm do:
 * RFC 3370 §3.2 makes rsaEncryption the one identifier every CMS verifier MUST accept, and the
 * hash is then taken from digestAlgorithm (RFC 5754 §3.2 permits both forms).
 */
export function signatureAlgorithmFor(
  key: KeyObject,
  digest: DigestInfo,
  scheme: SignScheme = "pkcs1",
): { algorithmIdentifier: Uint8Array; scheme: SignatureScheme } {
  const type = key.asymmetricKeyType;
  if (type === "rsa" && scheme === "pkcs1")
    return { algorithmIdentifier: RSA_ENCRYPTION, scheme: { kind: "rsa-pkcs1", name: "RSA", digest } };
  if ((type === "rsa" && scheme === "pss") || type === "rsa-pss")
    return {
      algorithmIdentifier: pssAlgorithmIdentifier(digest),
      scheme: { kind: "rsa-pss", name: "RSA-PSS", digest, saltLength: digest.length },
    };
  if (type === "ec") {
    if (scheme === "pss") throw new CoreError("invalid-argument", "the PSS scheme needs an RSA key");
    const ecdsa = ECDSA_BY_DIGEST.get(digest.name);
    if (!ecdsa) throw new CoreError("unsupported-algorithm", `ECDSA with ${digest.name} is not written`);
    return { algorithmIdentifier: ecdsa, scheme: { kind: "ecdsa", name: "ECDSA", digest } };
  }
  if (type === "ed25519")
    return { algorithmIdentifier: ED25519, scheme: { kind: "ed25519", name: "Ed25519", digest: undefined } };
  throw new CoreError("unsupported-algorithm", `cannot sign with a ${type ?? "unknown"} key`);
}

/** RFC 4055 §3.1 / RFC 4056 §2: hash, MGF1 over the same hash, salt = hash length, trailer 1 (omitted). */
function pssAlgorithmIdentifier(digest: DigestInfo): Uint8Array {
  const hashId = algorithmIdentifier(digest.oid, nullValue());
  const params = sequence(
    explicit(0, hashId),
    explicit(1, algorithmIdentifier(OID.mgf1, hashId)),
    explicit(2, integer(digest.length)),
  );
  return algorithmIdentifier(OID.rsassaPss, params);
}

// Encoded once at load (constant bytes; OID encoding is BigInt work on a hot path).
const RSA_ENCRYPTION = algorithmIdentifier(OID.rsaEncryption, nullValue());
const ED25519 = algorithmIdentifier(OID.ed25519);
const ECDSA_BY_DIGEST: ReadonlyMap<string, Uint8Array> = new Map(
  (
    [
      ["SHA-1", OID.ecdsaWithSha1],
      ["SHA-224", OID.ecdsaWithSha224],
      ["SHA-256", OID.ecdsaWithSha256],
      ["SHA-384", OID.ecdsaWithSha384],
      ["SHA-512", OID.ecdsaWithSha512],
    ] as const
  ).map(([name, o]) => [name, algorithmIdentifier(o)]),
);
export function createSignature(
  scheme: SignatureScheme,
  digest: DigestInfo,
  key: KeyObject,
  data: Uint8Array,
): Uint8Array {
  if (scheme.kind === "ed25519") return sign(null, data, key);
  return sign(digest.node, data, nodeKeyOptions(scheme, key));
}

/** AlgorithmIdentifier bytes → OID and the raw parameters TLV (undefined when absent). */
export function readAlgorithmIdentifier(
  buf: Uint8Array,
  tlv: Tlv,
): { oid: string; params: Uint8Array | undefined } {
  if (tlv.tag !== TAG.SEQUENCE) throw new CoreError("malformed", "expected an AlgorithmIdentifier");
  const [o, p] = children(buf, tlv);
  if (!o) throw new CoreError("malformed", "empty AlgorithmIdentifier");
  return { oid: readOid(buf, o), params: p ? buf.subarray(p.start, p.end) : undefined };
}
