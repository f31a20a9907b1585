/**
 * The content digests of a streamed multipart/signed: the signature part comes after the
 * content (RFC 1847 §2.1), so the digests must be chosen before the SignerInfos are seen —
 * from the micalg hint (RFC 8551 §3.5.3.2), plus SHA-256 — and computed as part 1 streams past.
 * verifySignedData then takes them as `contentDigests`.
 */
import { createHash } from "node:crypto";
import { DIGESTS, type DigestInfo, type DigestName } from "../algorithms.js";

/**
 * The digests to compute for a micalg value: each listed one we know (legacy spellings such
 * as "sha1", "rsa-sha1", "SHA256" included), and SHA-256 always.
 */
export function digestsForMicalg(micalg: string | undefined): DigestInfo[] {
  const wanted = new Set<DigestName>(["SHA-256"]);
  for (const item of (micalg ?? "").split(",")) {
    const name = item.trim().toLowerCase().replace(/^rsa-/, "").replace(/-/g, "");
    const known = DIGESTS.find((d) => d.micalg.replace(/-/g, "") === name);
    if (known) wanted.add(known.name);
  }
  return DIGESTS.filter((d) => wanted.has(d.name));
}

/** Hashes for the given digests, fed in one pass. */
export function digestSet(infos: readonly DigestInfo[]) {
  const hashes = infos.map((d) => [d.name, createHash(d.node)] as const);
  return {
    update(chunk: Uint8Array): void {
      for (const [, h] of hashes) h.update(chunk);
    },
    digests(): Map<DigestName, Uint8Array> {
      return new Map(hashes.map(([name, h]) => [name, h.digest()]));
    },
  };
}
