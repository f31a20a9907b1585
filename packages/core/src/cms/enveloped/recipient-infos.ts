import { describeOid, type KeyManagementName, OID } from "../../algorithms.js";
import {
  type BerContext,
  children,
  contentBytes,
  expectTag,
  rawBytes,
  readBitString,
  readOid,
  readRoot,
  readSmallInteger,
  TAG,
  type Tlv,
} from "../../asn1/ber-reader.js";
import { CoreError } from "../../errors.js";
import { formatName, readName } from "../../pki/name.js";

/**
 * RecipientInfo parsing (RFC 5652 §6.2). Everything keeps offsets into / views of the
 * received bytes: the key-agreement SharedInfo must be built from the wrap
 * AlgorithmIdentifier exactly as received (RFC 5753 §7.2, OpenSSL cms_kari.c).
 */
export interface AlgorithmId {
  oid: string;
  /** The parameters element's DER, or undefined when absent. */
  parameters: Uint8Array | undefined;
  /** The whole AlgorithmIdentifier as received. */
  der: Uint8Array;
}

/** RecipientIdentifier / KeyAgreeRecipientIdentifier (RFC 5652 §6.2.1, §6.2.2). */
export interface RecipientIdentifier {
  issuerSerial?: { issuerDer: Uint8Array; issuer: string; serial: bigint; serialHex: string };
  subjectKeyIdentifier?: Uint8Array;
}

export interface KeyTransRecipient {
  type: "ktri";
  version: number;
  rid: RecipientIdentifier;
  keyEncryptionAlgorithm: AlgorithmId;
  encryptedKey: Uint8Array;
}

export interface KeyAgreeRecipient {
  type: "kari";
  version: number;
  /** originatorKey (RFC 5753 §3.1.1 requires it for ephemeral-static ECDH), else undefined. */
  originatorKey: { algorithm: AlgorithmId; publicKey: Uint8Array } | undefined;
  ukm: Uint8Array | undefined;
  keyEncryptionAlgorithm: AlgorithmId;
  recipientEncryptedKeys: { rid: RecipientIdentifier; encryptedKey: Uint8Array }[];
}

export interface OtherRecipient {
  type: "kekri" | "pwri" | "ori";
}

export type RecipientInfo = KeyTransRecipient | KeyAgreeRecipient | OtherRecipient;

export function readAlgorithmId(buf: Uint8Array, tlv: Tlv, ctx: BerContext): AlgorithmId {
  const [oidTlv, params] = children(buf, expectTag(tlv, TAG.SEQUENCE, "AlgorithmIdentifier"), ctx);
  if (!oidTlv) throw new CoreError("malformed", "empty AlgorithmIdentifier");
  return { oid: readOid(buf, oidTlv), parameters: params && rawBytes(buf, params), der: rawBytes(buf, tlv) };
}

function serialOf(buf: Uint8Array, tlv: Tlv): { serial: bigint; serialHex: string } {
  const bytes = contentBytes(buf, expectTag(tlv, TAG.INTEGER, "serialNumber"));
  let serial = 0n;
  for (const b of bytes) serial = (serial << 8n) | BigInt(b);
  if ((bytes[0] ?? 0) & 0x80) serial -= 1n << BigInt(bytes.length * 8);
  return {
    serial,
    serialHex: Buffer.from(bytes)
      .toString("hex")
      .replace(/^00(?=[89a-f])/, ""),
  };
}

function readIssuerSerial(buf: Uint8Array, tlv: Tlv, ctx: BerContext): RecipientIdentifier {
  const [issuerTlv, serialTlv] = children(buf, expectTag(tlv, TAG.SEQUENCE, "IssuerAndSerialNumber"), ctx);
  if (!issuerTlv || !serialTlv)
    throw new CoreError("malformed", "IssuerAndSerialNumber needs issuer and serial");
  const name = readName(buf, issuerTlv, ctx);
  return { issuerSerial: { issuerDer: name.der, issuer: formatName(name), ...serialOf(buf, serialTlv) } };
}

function readKtri(buf: Uint8Array, tlv: Tlv, ctx: BerContext): KeyTransRecipient {
  const [versionTlv, ridTlv, algTlv, keyTlv] = children(buf, tlv, ctx);
  if (!versionTlv || !ridTlv || !algTlv || !keyTlv)
    throw new CoreError("malformed", "KeyTransRecipientInfo needs version, rid, algorithm and encryptedKey");
  const rid =
    ridTlv.tag === 0x80
      ? { subjectKeyIdentifier: contentBytes(buf, ridTlv) }
      : readIssuerSerial(buf, ridTlv, ctx);
  return {
    type: "ktri",
    version: readSmallInteger(buf, versionTlv),
    rid,
    keyEncryptionAlgorithm: readAlgorithmId(buf, algTlv, ctx),
    encryptedKey: contentBytes(buf, expectTag(keyTlv, TAG.OCTET_STRING, "encryptedKey")),
  };
}

function readKari(buf: Uint8Array, tlv: Tlv, ctx: BerContext): KeyAgreeRecipient {
  const fields = children(buf, tlv, ctx);
  let i = 0;
  const next = (what: string): Tlv => {
    const t = fields[i++];
    if (!t) throw new CoreError("malformed", `KeyAgreeRecipientInfo is missing ${what}`);
    return t;
  };
  const version = readSmallInteger(buf, next("version"));
  const originatorTlv = expectTag(next("originator"), 0xa0, "originator [0]");
  const [choice] = children(buf, originatorTlv, ctx);
  if (!choice) throw new CoreError("malformed", "empty KeyAgreeRecipientInfo originator");
  let originatorKey: KeyAgreeRecipient["originatorKey"];
  if (choice.tag === 0xa1) {
    // [1] IMPLICIT OriginatorPublicKey ::= SEQUENCE { algorithm, publicKey BIT STRING }
    const [alg, key] = children(buf, choice, ctx);
    if (!alg || !key) throw new CoreError("malformed", "OriginatorPublicKey needs algorithm and publicKey");
    originatorKey = { algorithm: readAlgorithmId(buf, alg, ctx), publicKey: readBitString(buf, key).bytes };
  }
  let ukm: Uint8Array | undefined;
  if (fields[i]?.tag === 0xa1) {
    const [octets] = children(buf, next("ukm"), ctx);
    if (!octets) throw new CoreError("malformed", "empty ukm");
    ukm = contentBytes(buf, expectTag(octets, TAG.OCTET_STRING, "UserKeyingMaterial"));
  }
  const keyEncryptionAlgorithm = readAlgorithmId(buf, next("keyEncryptionAlgorithm"), ctx);
  const reks = children(
    buf,
    expectTag(next("recipientEncryptedKeys"), TAG.SEQUENCE, "RecipientEncryptedKeys"),
    ctx,
  );
  const recipientEncryptedKeys = reks.map((rek) => {
    const [ridTlv, keyTlv] = children(buf, expectTag(rek, TAG.SEQUENCE, "RecipientEncryptedKey"), ctx);
    if (!ridTlv || !keyTlv)
      throw new CoreError("malformed", "RecipientEncryptedKey needs rid and encryptedKey");
    let rid: RecipientIdentifier;
    if (ridTlv.tag === 0xa0) {
      // rKeyId [0] IMPLICIT RecipientKeyIdentifier ::= SEQUENCE { subjectKeyIdentifier, date?, other? }
      const [ski] = children(buf, ridTlv, ctx);
      if (!ski) throw new CoreError("malformed", "empty RecipientKeyIdentifier");
      rid = {
        subjectKeyIdentifier: contentBytes(buf, expectTag(ski, TAG.OCTET_STRING, "SubjectKeyIdentifier")),
      };
    } else {
      rid = readIssuerSerial(buf, ridTlv, ctx);
    }
    return { rid, encryptedKey: contentBytes(buf, expectTag(keyTlv, TAG.OCTET_STRING, "encryptedKey")) };
  });
  return { type: "kari", version, originatorKey, ukm, keyEncryptionAlgorithm, recipientEncryptedKeys };
}

/** Parses the RecipientInfos SET (RFC 5652 §6.1) from its own DER/BER bytes. */
export function parseRecipientInfos(
  der: Uint8Array,
  ctx: BerContext,
  maxRecipients: number,
): RecipientInfo[] {
  const root = expectTag(readRoot(der, ctx), TAG.SET, "RecipientInfos SET");
  const out: RecipientInfo[] = [];
  for (const ri of children(der, root, ctx)) {
    if (out.length >= maxRecipients)
      throw new CoreError("limit-exceeded", `more than ${maxRecipients} RecipientInfos`);
    if (ri.tag === TAG.SEQUENCE) out.push(readKtri(der, ri, ctx));
    else if (ri.tag === 0xa1) out.push(readKari(der, ri, ctx));
    else if (ri.tag === 0xa2) out.push({ type: "kekri" });
    else if (ri.tag === 0xa3) out.push({ type: "pwri" });
    else if (ri.tag === 0xa4) out.push({ type: "ori" });
    else throw new CoreError("malformed", `unknown RecipientInfo choice (tag 0x${ri.tag.toString(16)})`);
  }
  if (out.length === 0)
    throw new CoreError("malformed", "RecipientInfos is empty (RFC 5652 §6.1: SIZE(1..MAX))");
  return out;
}

/** What users see for one recipient: "RSA", "RSA-OAEP", "ECDH", or undefined when unknown. */
export function keyManagementOf(ri: RecipientInfo): KeyManagementName | undefined {
  if (ri.type === "kari") return "ECDH";
  if (ri.type !== "ktri") return undefined;
  if (ri.keyEncryptionAlgorithm.oid === OID.rsaEncryption) return "RSA";
  if (ri.keyEncryptionAlgorithm.oid === OID.rsaesOaep) return "RSA-OAEP";
  return undefined;
}

export function unsupported(what: string, oid: string): CoreError {
  return new CoreError("unsupported-algorithm", `${what} ${describeOid(oid)} is not supported`);
}
