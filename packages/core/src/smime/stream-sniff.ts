/**
 * The CMS content type from the first bytes of a ContentInfo (RFC 5652 §3), so the streaming
 * path can choose decrypt or verify before the rest arrives. The OID decides, not the
 * smime-type label (RFC 8551 §3.2.2); classification is classify.ts sniffCms's.
 */

import type { CipherName } from "../algorithms.js";
import { type BerContext, berContext, readTlv, TAG, type Tlv } from "../asn1/ber-reader.js";
import { sequence } from "../asn1/der-writer.js";
import { parseContentAlgorithm } from "../cms/enveloped/content-algorithm.js";
import { readAlgorithmId } from "../cms/enveloped/recipient-infos.js";
import { CoreError } from "../errors.js";
import { type CmsKind, sniffCms } from "./classify.js";

/** Enough bytes for the outer header and any contentType OID we know. */
export const SNIFF_BYTES = 64;

export function sniffCmsPrefix(prefix: Uint8Array): { kind: CmsKind; oid: string } {
  let oidStart: number;
  try {
    if (prefix[0] !== TAG.SEQUENCE) throw new Error("not a SEQUENCE");
    const first = prefix[1];
    if (first === undefined) throw new Error("truncated");
    oidStart = first === 0x80 || first < 0x80 ? 2 : 2 + (first & 0x7f);
    if (first > 0x84) throw new Error("bad length");
    if (prefix[oidStart] !== TAG.OID) throw new Error("no contentType");
    const tlv = readTlv(prefix, oidStart, prefix.length);
    return sniffCms(sequence(prefix.subarray(tlv.start, tlv.end)));
  } catch (error) {
    if (error instanceof CoreError && error.code !== "malformed") throw error;
    throw new CoreError(
      "malformed",
      `the S/MIME part is not a CMS ContentInfo (${(error as Error).message})`,
    );
  }
}

/** What a ContentInfo's first bytes say about it, beyond its content type. */
export type CmsShape =
  | {
      kind: "enveloped" | "authEnveloped";
      oid: string;
      /** The contentEncryptionAlgorithm: its name in core's registry, null when core cannot use it. */
      cipher: CipherName | null;
      cipherOid: string | null;
      /** Why the cipher is null: the prefix ended first, or what core says about the algorithm. */
      note: string | null;
    }
  | {
      kind: "signed";
      oid: string;
      /** Whether encapContentInfo carries eContent (opaque signing); null when the prefix ended first. */
      encapsulated: boolean | null;
      note: string | null;
    }
  | { kind: "compressed" | "other"; oid: string };

/** A BER element's identifier and length octets; `end` null for the indefinite form. */
interface Head {
  tag: number;
  start: number;
  contentStart: number;
  end: number | null;
}

class PrefixEnded extends Error {}

function head(der: Uint8Array, offset: number, tag: number, what: string): Head {
  const first = der[offset];
  const lengthByte = der[offset + 1];
  if (first === undefined || lengthByte === undefined) throw new PrefixEnded(what);
  if (first !== tag) throw new Error(`${what}: tag 0x${first.toString(16)}, expected 0x${tag.toString(16)}`);
  if (lengthByte === 0x80) return { tag, start: offset, contentStart: offset + 2, end: null };
  if (lengthByte < 0x80)
    return { tag, start: offset, contentStart: offset + 2, end: offset + 2 + lengthByte };
  const count = lengthByte & 0x7f;
  if (count > 6) throw new Error(`${what}: length too large`);
  if (offset + 2 + count > der.length) throw new PrefixEnded(what);
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (der[offset + 2 + i] as number);
  return { tag, start: offset, contentStart: offset + 2 + count, end: offset + 2 + count + length };
}

/** Where an element ends; an indefinite one is walked, which needs all of it in the prefix. */
function skip(der: Uint8Array, h: Head, ctx: BerContext, what: string): number {
  if (h.end !== null) return h.end;
  try {
    return readTlv(der, h.start, der.length, ctx).end;
  } catch (error) {
    if (error instanceof CoreError && error.code === "malformed") throw new PrefixEnded(what);
    throw error;
  }
}

/** A small element read whole (an OID, an INTEGER, an AlgorithmIdentifier). */
function whole(der: Uint8Array, offset: number, tag: number, ctx: BerContext, what: string): Tlv {
  const h = head(der, offset, tag, what);
  if (h.end !== null) {
    if (h.end > der.length) throw new PrefixEnded(what);
    return readTlv(der, offset, der.length, ctx); // all there: an error is a real one
  }
  try {
    return readTlv(der, offset, der.length, ctx);
  } catch (error) {
    // An indefinite length ends at its end-of-contents: missing, it may lie past the prefix.
    if (error instanceof CoreError && error.code === "malformed") throw new PrefixEnded(what);
    throw error;
  }
}

/** Whether the container `parent` has no more elements at `pos`. */
function atEnd(der: Uint8Array, parent: Head, pos: number, what: string): boolean {
  if (parent.end !== null) return pos >= parent.end;
  if (pos + 2 > der.length) throw new PrefixEnded(what);
  return der[pos] === 0 && der[pos + 1] === 0;
}

/**
 * Reads as far into a ContentInfo as its kind needs, from a prefix of the DER/BER (definite or
 * indefinite lengths): for EnvelopedData (RFC 5652 §6.1) and AuthEnvelopedData (RFC 5083 §2.1)
 * version, originatorInfo and recipientInfos are skipped to reach the contentEncryptionAlgorithm,
 * which core's own parser names (RC2's parameter gives its key size); for SignedData (§5.1)
 * whether encapContentInfo holds eContent. Element contents are never needed beyond those,
 * so a definite-length recipientInfos of any size costs nothing; an indefinite-length one must
 * fit in the prefix. When the prefix ends first the answer says so (cipher / encapsulated null,
 * with a note); a prefix that is not a ContentInfo at all throws CoreError("malformed").
 */
export function sniffCmsShape(der: Uint8Array): CmsShape {
  const { kind, oid } = sniffCmsPrefix(der);
  if (kind === "compressed" || kind === "other") return { kind, oid };
  const ctx = berContext();
  try {
    const info = head(der, 0, TAG.SEQUENCE, "ContentInfo");
    const type = whole(der, info.contentStart, TAG.OID, ctx, "contentType");
    const wrapped = head(der, type.end, 0xa0, "ContentInfo [0] content");
    if (kind === "signed") return { kind, oid, encapsulated: encapsulates(der, wrapped, ctx), note: null };
    const name = kind === "enveloped" ? "EnvelopedData" : "AuthEnvelopedData";
    const body = head(der, wrapped.contentStart, TAG.SEQUENCE, name);
    let pos = whole(der, body.contentStart, TAG.INTEGER, ctx, `${name} version`).end;
    if (der[pos] === 0xa0) pos = skip(der, head(der, pos, 0xa0, "originatorInfo"), ctx, "originatorInfo");
    pos = skip(der, head(der, pos, TAG.SET, "recipientInfos"), ctx, "recipientInfos");
    const eci = head(der, pos, TAG.SEQUENCE, "EncryptedContentInfo");
    const contentType = whole(der, eci.contentStart, TAG.OID, ctx, "EncryptedContentInfo contentType");
    const algTlv = whole(der, contentType.end, TAG.SEQUENCE, ctx, "contentEncryptionAlgorithm");
    const algorithm = readAlgorithmId(der, algTlv, ctx);
    try {
      const cipher = parseContentAlgorithm(algorithm, kind, ctx).cipher.name;
      return { kind, oid, cipher, cipherOid: algorithm.oid, note: null };
    } catch (error) {
      if (!(error instanceof CoreError)) throw error;
      return { kind, oid, cipher: null, cipherOid: algorithm.oid, note: error.message };
    }
  } catch (error) {
    if (!(error instanceof PrefixEnded)) {
      if (error instanceof CoreError) throw error;
      throw new CoreError("malformed", `the ${kind} content is malformed (${(error as Error).message})`);
    }
    const note = `the bytes given end inside ${error.message}`;
    return kind === "signed"
      ? { kind, oid, encapsulated: null, note }
      : { kind, oid, cipher: null, cipherOid: null, note };
  }
}

/** SignedData (RFC 5652 §5.1): version, digestAlgorithms, then encapContentInfo { eContentType, [0] eContent OPTIONAL }. */
function encapsulates(der: Uint8Array, wrapped: Head, ctx: BerContext): boolean {
  const sd = head(der, wrapped.contentStart, TAG.SEQUENCE, "SignedData");
  const version = whole(der, sd.contentStart, TAG.INTEGER, ctx, "SignedData version");
  const digests = skip(der, head(der, version.end, TAG.SET, "digestAlgorithms"), ctx, "digestAlgorithms");
  const encap = head(der, digests, TAG.SEQUENCE, "encapContentInfo");
  const eType = whole(der, encap.contentStart, TAG.OID, ctx, "eContentType");
  return !atEnd(der, encap, eType.end, "encapContentInfo");
}
