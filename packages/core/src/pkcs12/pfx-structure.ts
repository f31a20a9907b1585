import { type DigestInfo, describeOid, digestByName, digestByOid, OID } from "../algorithms.js";
import {
  type BerContext,
  berContext,
  children,
  contentBytes,
  expectTag,
  octetStringValue,
  readOid,
  readRoot,
  readSmallInteger,
  TAG,
  type Tlv,
} from "../asn1/ber-reader.js";
import { der } from "../asn1/index.js";
import { CoreError, isCoreError } from "../errors.js";
import { type PbeScheme, type Pbes2Kdf, parsePbeAlgorithm, parsePbkdf2Params } from "./pbe-scheme.js";

/** MacData (RFC 7292 §4) or PBMAC1 (RFC 9579 §5). */
export type PfxMac =
  | { kind: "classic"; digest: DigestInfo; value: Uint8Array; salt: Uint8Array; iterations: number }
  | {
      kind: "pbmac1";
      kdf: Extract<Pbes2Kdf, { kind: "pbkdf2" }>;
      hmac: DigestInfo;
      value: Uint8Array;
    }
  | { kind: "unsupported"; name: string };

/** One ContentInfo of the AuthenticatedSafe (RFC 7292 §4.1). */
export type PfxContainer =
  | { kind: "data"; safeContents: Uint8Array }
  | { kind: "encrypted"; scheme: PbeScheme; ciphertext: Uint8Array }
  | { kind: "unsupported"; name: string };

export interface PfxStructure {
  /** The AuthenticatedSafe DER: the bytes the MAC covers (RFC 7292 §5.1). */
  authSafe: Uint8Array;
  mac: PfxMac | undefined;
  containers: PfxContainer[];
}

/** Inputs bigger than this are not PFX files anyone writes; refusing them bounds the work. */
export const MAX_PFX_BYTES = 16 * 1024 * 1024;

/**
 * Reads the unencrypted layers of a PFX (RFC 7292 §4): version 3, an id-data authSafe, the
 * AuthenticatedSafe's ContentInfos and the MacData. Any structural problem here means the
 * input is not a PFX: CoreError("corrupt").
 */
export function readPfxStructure(bytes: Uint8Array): PfxStructure {
  if (bytes.length > MAX_PFX_BYTES)
    throw new CoreError("corrupt", `not a PFX: ${bytes.length} bytes is larger than any PKCS#12 file`);
  const ctx = berContext({ maxNodes: 200_000 });
  try {
    const root = expectTag(readRoot(bytes, ctx), TAG.SEQUENCE, "PFX");
    const [versionTlv, authSafeTlv, macTlv] = children(bytes, root, ctx);
    if (!versionTlv || !authSafeTlv) throw new CoreError("malformed", "PFX needs version and authSafe");
    const version = readSmallInteger(bytes, versionTlv);
    if (version !== 3) throw new CoreError("malformed", `PFX version ${version}, expected 3`);
    const { type, content } = readContentInfo(bytes, authSafeTlv, ctx);
    if (type === OID.signedData)
      throw new CoreError(
        "unsupported-algorithm",
        "PFX with public-key integrity mode (signedData authSafe)",
      );
    if (type !== OID.data || !content) throw new CoreError("malformed", "authSafe is not id-data");
    const authSafe = octetStringValue(bytes, expectOctets(content), ctx);
    const containers = readAuthenticatedSafe(authSafe, ctx);
    return { authSafe, mac: macTlv ? readMacData(bytes, macTlv, ctx) : undefined, containers };
  } catch (error) {
    if (isCoreError(error, "unsupported-algorithm")) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new CoreError("corrupt", `not a PKCS#12 (PFX) file: ${detail}`, { cause: error });
  }
}

function expectOctets(tlv: Tlv): Tlv {
  if (tlv.tagNumber !== 4 || tlv.tagClass !== 0) throw new CoreError("malformed", "expected an OCTET STRING");
  return tlv;
}

function readContentInfo(
  buf: Uint8Array,
  tlv: Tlv,
  ctx: BerContext,
): { type: string; content: Tlv | undefined } {
  const [typeTlv, wrapped] = children(buf, expectTag(tlv, TAG.SEQUENCE, "ContentInfo"), ctx);
  if (!typeTlv) throw new CoreError("malformed", "empty ContentInfo");
  const content = wrapped ? children(buf, expectTag(wrapped, 0xa0, "content [0]"), ctx)[0] : undefined;
  return { type: readOid(buf, typeTlv), content };
}

function readAuthenticatedSafe(authSafe: Uint8Array, ctx: BerContext): PfxContainer[] {
  const root = expectTag(readRoot(authSafe, ctx), TAG.SEQUENCE, "AuthenticatedSafe");
  return children(authSafe, root, ctx).map((ci): PfxContainer => {
    const { type, content } = readContentInfo(authSafe, ci, ctx);
    if (type === OID.data) {
      if (!content) throw new CoreError("malformed", "id-data without content");
      return { kind: "data", safeContents: octetStringValue(authSafe, expectOctets(content), ctx) };
    }
    if (type === OID.encryptedData) {
      // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo { contentType, alg, [0] IMPLICIT content } }
      if (!content) throw new CoreError("malformed", "EncryptedData without content");
      const [, eci] = children(authSafe, expectTag(content, TAG.SEQUENCE, "EncryptedData"), ctx);
      if (!eci) throw new CoreError("malformed", "EncryptedData without EncryptedContentInfo");
      const [, alg, encrypted] = children(
        authSafe,
        expectTag(eci, TAG.SEQUENCE, "EncryptedContentInfo"),
        ctx,
      );
      if (!alg) throw new CoreError("malformed", "EncryptedContentInfo without algorithm");
      if (encrypted?.tagClass !== 2 || encrypted.tagNumber !== 0)
        return { kind: "data", safeContents: der.sequence() }; // no content: an empty SafeContents
      return {
        kind: "encrypted",
        scheme: parsePbeAlgorithm(authSafe, alg, ctx),
        // [0] IMPLICIT OCTET STRING: primitive 0x80 or constructed 0xa0 pieces (SMIME-NOTES §6.1)
        ciphertext: octetStringValue(authSafe, encrypted, ctx),
      };
    }
    if (type === OID.envelopedData)
      return { kind: "unsupported", name: "PFX with public-key privacy mode (envelopedData)" };
    return { kind: "unsupported", name: `PFX content ${describeOid(type)}` };
  });
}

function readMacData(buf: Uint8Array, tlv: Tlv, ctx: BerContext): PfxMac {
  const [digestInfo, saltTlv, iterTlv] = children(buf, expectTag(tlv, TAG.SEQUENCE, "MacData"), ctx);
  if (!digestInfo || !saltTlv) throw new CoreError("malformed", "MacData needs mac and macSalt");
  const [alg, valueTlv] = children(buf, expectTag(digestInfo, TAG.SEQUENCE, "DigestInfo"), ctx);
  if (!alg || !valueTlv) throw new CoreError("malformed", "bad MAC DigestInfo");
  const [oidTlv, params] = children(buf, expectTag(alg, TAG.SEQUENCE, "AlgorithmIdentifier"), ctx);
  if (!oidTlv) throw new CoreError("malformed", "empty MAC algorithm");
  const oid = readOid(buf, oidTlv);
  const value = contentBytes(buf, expectTag(valueTlv, TAG.OCTET_STRING, "mac"));
  if (oid === OID.pbmac1) {
    // PBMAC1-params ::= SEQUENCE { keyDerivationFunc, messageAuthScheme } (RFC 8018 App. A.5)
    if (!params) throw new CoreError("malformed", "PBMAC1 without parameters");
    const [kdfAlg, macAlg] = children(buf, expectTag(params, TAG.SEQUENCE, "PBMAC1-params"), ctx);
    if (!kdfAlg || !macAlg) throw new CoreError("malformed", "bad PBMAC1 parameters");
    const [kdfOid, kdfParams] = children(buf, expectTag(kdfAlg, TAG.SEQUENCE, "keyDerivationFunc"), ctx);
    const [macOid] = children(buf, expectTag(macAlg, TAG.SEQUENCE, "messageAuthScheme"), ctx);
    if (!kdfOid || !kdfParams || !macOid) throw new CoreError("malformed", "bad PBMAC1 parameters");
    if (readOid(buf, kdfOid) !== OID.pbkdf2) return { kind: "unsupported", name: "PBMAC1 without PBKDF2" };
    const kdf = parsePbkdf2Params(buf, kdfParams, ctx);
    if ("unsupported" in kdf) return { kind: "unsupported", name: `PBMAC1 ${kdf.unsupported}` };
    const hmacName = readOid(buf, macOid);
    const hmac = HMAC_DIGEST[hmacName] ? digestByName(HMAC_DIGEST[hmacName] as string) : undefined;
    if (!hmac) return { kind: "unsupported", name: `PBMAC1 with ${describeOid(hmacName)}` };
    return { kind: "pbmac1", kdf, hmac, value };
  }
  const digest = digestByOid(oid);
  if (!digest) return { kind: "unsupported", name: `MAC digest ${describeOid(oid)}` };
  return {
    kind: "classic",
    digest,
    value,
    salt: contentBytes(buf, expectTag(saltTlv, TAG.OCTET_STRING, "macSalt")),
    iterations: iterTlv ? macIterations(readSmallInteger(buf, iterTlv)) : 1, // DEFAULT 1; OpenSSL omits it when 1
  };
}

const HMAC_DIGEST: Record<string, string> = {
  [OID.hmacWithSha1]: "SHA-1",
  [OID.hmacWithSha224]: "SHA-224",
  [OID.hmacWithSha256]: "SHA-256",
  [OID.hmacWithSha384]: "SHA-384",
  [OID.hmacWithSha512]: "SHA-512",
};

function macIterations(n: number): number {
  if (n < 1) throw new CoreError("malformed", `MAC iteration count ${n}`);
  return n;
}
