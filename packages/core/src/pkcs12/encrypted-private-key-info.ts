import { createPrivateKey, type KeyObject } from "node:crypto";
import { describeOid, OID } from "../algorithms.js";
import {
  type BerContext,
  berContext,
  children,
  contentBytes,
  expectTag,
  readOid,
  readRoot,
  TAG,
  type Tlv,
} from "../asn1/ber-reader.js";
import { der } from "../asn1/index.js";
import { CoreError } from "../errors.js";
import { encodePbeAlgorithm } from "./pbe-encode.js";
import { type PbeScheme, type Pbes2, type Pkcs12Pbe, parsePbeAlgorithm } from "./pbe-scheme.js";

/**
 * EncryptedPrivateKeyInfo (RFC 5958 §3, the PKCS#8 form; also the pkcs8ShroudedKeyBag value,
 * RFC 7292 §4.2.2):
 *   SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING }
 */
export interface EncryptedPrivateKeyInfo {
  scheme: PbeScheme;
  encryptedData: Uint8Array;
}

export function readEncryptedPrivateKeyInfo(
  buf: Uint8Array,
  tlv: Tlv,
  ctx: BerContext = berContext(),
): EncryptedPrivateKeyInfo {
  const [alg, data] = children(buf, expectTag(tlv, TAG.SEQUENCE, "EncryptedPrivateKeyInfo"), ctx);
  if (!alg || !data) throw new CoreError("malformed", "EncryptedPrivateKeyInfo needs algorithm and data");
  return {
    scheme: parsePbeAlgorithm(buf, alg, ctx),
    encryptedData: contentBytes(buf, expectTag(data, TAG.OCTET_STRING, "encryptedData")),
  };
}

export function encodeEncryptedPrivateKeyInfo(
  scheme: Pkcs12Pbe | Pbes2,
  encryptedData: Uint8Array,
): Uint8Array {
  return der.sequence(encodePbeAlgorithm(scheme), der.octetString(encryptedData));
}

/** Key algorithms node:crypto loads from PKCS#8 on Node 20 (RFC 5958 privateKeyAlgorithm). */
const LOADABLE = new Set<string>([
  OID.rsaEncryption,
  OID.rsassaPss,
  OID.ecPublicKey,
  OID.ed25519,
  OID.x25519,
  "1.3.101.111", // X448
  "1.3.101.113", // Ed448
  "1.2.840.10040.4.1", // DSA
  "1.2.840.10046.2.1", // DH
]);

/**
 * Loads decrypted PrivateKeyInfo bytes. The outcome separates "these bytes are not a
 * PrivateKeyInfo" (the decryption produced garbage: a wrong password, or damage) from
 * "a well-formed key of an algorithm Node cannot load" (unsupported-algorithm).
 */
export type LoadedKey =
  | { ok: true; key: KeyObject }
  | { ok: false; reason: "garbage" }
  | { ok: false; reason: "unsupported"; name: string };

export function loadPrivateKeyInfo(pkcs8: Uint8Array): LoadedKey {
  let algorithm: string;
  try {
    // OneAsymmetricKey ::= SEQUENCE { version, privateKeyAlgorithm, privateKey OCTET STRING, … }
    const ctx = berContext({ maxNodes: 10_000 });
    const [version, alg, key] = children(pkcs8, expectTag(readRoot(pkcs8, ctx), TAG.SEQUENCE, "PKI"), ctx);
    if (!version || version.tag !== TAG.INTEGER || !alg || !key || key.tag !== TAG.OCTET_STRING)
      return { ok: false, reason: "garbage" };
    const [oid] = children(pkcs8, expectTag(alg, TAG.SEQUENCE, "AlgorithmIdentifier"), ctx);
    if (!oid) return { ok: false, reason: "garbage" };
    algorithm = readOid(pkcs8, oid);
  } catch {
    return { ok: false, reason: "garbage" };
  }
  if (!LOADABLE.has(algorithm))
    return { ok: false, reason: "unsupported", name: `private key ${describeOid(algorithm)}` };
  try {
    return { ok: true, key: createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" }) };
  } catch {
    return { ok: false, reason: "garbage" };
  }
}
