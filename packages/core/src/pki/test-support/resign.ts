import { type KeyObject, sign } from "node:crypto";
import { children, rawBytes, readRoot } from "../../asn1/ber-reader.js";
import { algorithmIdentifier, bitString, nullValue, sequence } from "../../asn1/der-writer.js";
import { type Certificate, parseCertificate } from "../certificate.js";

/**
 * Re-issues an openssl-made certificate after editing its tbsCertificate fields, signed again
 * with the issuer's real key, so the only thing wrong with the result is the edit under test
 * (a critical flag encoded 0x01, a different inner algorithm, a hostile public key). Hand-made
 * only where no tool writes such a certificate.
 */
export function resign(
  cert: Certificate,
  issuerKey: KeyObject,
  options: {
    /** Gets and returns the raw TLVs of tbsCertificate's fields (version … extensions). */
    editFields?: (fields: Uint8Array[]) => Uint8Array[];
    /** Byte-level edit of the re-assembled tbsCertificate (same length). */
    editTbs?: (tbs: Buffer) => Buffer;
    /** Outer signatureAlgorithm OID (RSA PKCS#1) and the hash to sign with. Default SHA-256. */
    outer?: { oid: string; hash: string };
  } = {},
): Certificate {
  const tbsRoot = readRoot(cert.tbs);
  let fields = children(cert.tbs, tbsRoot).map((t) => rawBytes(cert.tbs, t));
  if (options.editFields) fields = options.editFields(fields);
  let tbs: Buffer = Buffer.from(sequence(...fields));
  if (options.editTbs) tbs = options.editTbs(tbs);
  const outer = options.outer ?? { oid: "1.2.840.113549.1.1.11", hash: "sha256" };
  const signature = sign(outer.hash, tbs, issuerKey);
  return parseCertificate(sequence(tbs, algorithmIdentifier(outer.oid, nullValue()), bitString(signature)));
}

/** Replaces the first occurrence of `from` by `to` (same length) in `bytes`. */
export function replaceBytes(bytes: Buffer, from: Uint8Array, to: Uint8Array): Buffer {
  const at = bytes.indexOf(Buffer.from(from));
  if (at < 0 || from.length !== to.length) throw new Error("pattern not found (or lengths differ)");
  const out = Buffer.from(bytes);
  out.set(to, at);
  return out;
}
