/**
 * The CMS content type from the first bytes of a ContentInfo (RFC 5652 §3), so the streaming
 * path can choose decrypt or verify before the rest arrives. The OID decides, not the
 * smime-type label (RFC 8551 §3.2.2); classification is classify.ts sniffCms's.
 */
import { readTlv, TAG } from "../asn1/ber-reader.js";
import { sequence } from "../asn1/der-writer.js";
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
