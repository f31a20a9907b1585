import { DIGESTS, type DigestInfo, digestByOid } from "../../algorithms.js";
import type { Tlv } from "../../asn1/ber-reader.js";
import { algorithmIdentifier } from "../../asn1/der-writer.js";
import { readAlgorithmIdentifier } from "../../pki/signature-algorithm.js";

/** Encoded once at load (constant bytes; OID encoding is BigInt work on a hot path). */
const DIGEST_ALGORITHM: ReadonlyMap<string, Uint8Array> = new Map(
  DIGESTS.map((d) => [d.name, algorithmIdentifier(d.oid)]),
);

/** Digest AlgorithmIdentifier (RFC 5754 §2): parameters absent or NULL; anything else is suspect. */
export function readDigestAlgorithm(
  buf: Uint8Array,
  tlv: Tlv,
): { oid: string; digest: DigestInfo | undefined } {
  const { oid: o, params } = readAlgorithmIdentifier(buf, tlv);
  const okParams = params === undefined || (params.length === 2 && params[0] === 0x05 && params[1] === 0);
  return { oid: o, digest: okParams ? digestByOid(o) : undefined };
}

/** Digest AlgorithmIdentifier as we write it: parameters absent (RFC 5754 §2). */
export function digestAlgorithmIdentifier(digest: DigestInfo): Uint8Array {
  return DIGEST_ALGORITHM.get(digest.name) ?? algorithmIdentifier(digest.oid);
}
