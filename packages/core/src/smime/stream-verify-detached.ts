/**
 * Verifies a detached SignedData (RFC 5652 §5.6) against content digests computed while the
 * content streamed past: in a multipart/signed the signature part comes after the content
 * (RFC 1847 §2.1), so the digests must be chosen before the SignerInfos are seen — from the
 * micalg hint (RFC 8551 §3.5.3.2), plus SHA-256. The same checks as verifySignedData
 * (parseSignedData, prepareSigner, judge), with the digests given instead of the content.
 *
 * Throws CoreError("not-streamable") when a signer needs what was not kept: a digest that was
 * not computed, or a signature made directly over the content (no signed attributes).
 */
import { createHash } from "node:crypto";
import { DIGESTS, type DigestInfo, type DigestName } from "../algorithms.js";
import { berContext } from "../asn1/ber-reader.js";
import { prepareSigner } from "../cms/signed/check-signer.js";
import { parseSignedData } from "../cms/signed/parse-signed-data.js";
import type { SignerVerdict, VerifyOptions } from "../cms/signed/types.js";
import { CoreError } from "../errors.js";
import { type Certificate, parseCertificate } from "../pki/certificate.js";
import { type Crl, parseCrl } from "../pki/crl.js";

const DEFAULT_MAX_SIGNERS = 16;
const DEFAULT_MAX_CERTIFICATES = 64;

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

export function verifyDetachedDigests(
  der: Uint8Array,
  digests: ReadonlyMap<string, Uint8Array>,
  options: Omit<VerifyOptions, "content">,
): { signers: SignerVerdict[]; digests: DigestName[] } {
  const limits = options.limits ?? {};
  const ctx = berContext(limits.ber);
  const raw = parseSignedData(
    der,
    ctx,
    limits.maxSigners ?? DEFAULT_MAX_SIGNERS,
    limits.maxCertificates ?? DEFAULT_MAX_CERTIFICATES,
  );
  if (raw.eContent)
    throw new CoreError("malformed", "the detached signature part encapsulates content (opaque SignedData)");
  const known = options.known ?? [];
  const configured = [...options.trust, ...known];
  const certificates = raw.certificates.flatMap((bytes) => reuseOrParse(bytes, configured));
  const messageCrls = raw.crls.flatMap((bytes): Crl[] => {
    try {
      return [parseCrl(bytes)];
    } catch {
      return []; // unreadable CRLs in the message are ignored, as verifySignedData does
    }
  });
  const at = options.at ?? (options.now ?? (() => new Date()))();
  const judge = {
    trust: options.trust,
    intermediates: [...certificates, ...known],
    crls: [...(options.crls ?? []), ...messageCrls],
    at,
    expectedAddresses: options.expectedAddresses,
    maxPathCandidates: limits.maxPathCandidates,
  };
  const candidates = [...certificates, ...known];
  const pending = raw.signerInfos.map((info) =>
    prepareSigner(der, info, raw.contentType, candidates, ctx, judge),
  );
  for (const p of pending) {
    if (p.sinks.length > 0)
      throw new CoreError(
        "not-streamable",
        "a signature without signed attributes covers the content itself, which streaming does not keep; open the message with openMessage",
      );
    if (p.digest && !digests.has(p.digest.name))
      throw new CoreError(
        "not-streamable",
        `a signer used ${p.digest.name}, which the micalg parameter did not announce, so it was not computed while streaming; open the message with openMessage`,
      );
  }
  const used = [...new Set(pending.flatMap((p) => (p.digest ? [p.digest.name] : [])))];
  return { signers: pending.map((p) => p.finish(digests)), digests: used };
}

/** A message certificate identical to a configured one reuses it; unparseable ones are skipped. */
function reuseOrParse(bytes: Uint8Array, configured: readonly Certificate[]): Certificate[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const same = configured.find((c) => c.der.length === bytes.length && view.equals(c.der));
  if (same) return [same];
  try {
    return [parseCertificate(new Uint8Array(bytes))];
  } catch (error) {
    if (error instanceof CoreError && error.code !== "limit-exceeded") return [];
    throw error;
  }
}

/** Hashes for the given digests, fed in one pass. */
export function digestSet(infos: readonly DigestInfo[]) {
  const hashes = infos.map((d) => [d.name, createHash(d.node)] as const);
  return {
    update(chunk: Uint8Array): void {
      for (const [, h] of hashes) h.update(chunk);
    },
    digests(): Map<string, Uint8Array> {
      return new Map(hashes.map(([name, h]) => [name, h.digest()]));
    },
  };
}
