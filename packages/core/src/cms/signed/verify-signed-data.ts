import { createHash } from "node:crypto";
import type { DigestInfo, DigestName } from "../../algorithms.js";
import { berContext, octetStringPieces } from "../../asn1/ber-reader.js";
import { CoreError } from "../../errors.js";
import { type Certificate, parseCertificate } from "../../pki/certificate.js";
import { type Crl, parseCrl } from "../../pki/crl.js";
import { pathBudget } from "../../pki/path-budget.js";
import { type PendingSigner, prepareSigner } from "./check-signer.js";
import { type ContentSink, feedContent } from "./feed-content.js";
import { parseSignedData } from "./parse-signed-data.js";
import type { VerifyOptions, VerifyResult } from "./types.js";

const DEFAULT_MAX_SIGNERS = 16;
const DEFAULT_MAX_CERTIFICATES = 64;

/**
 * Verifies CMS SignedData (RFC 5652 §5.6) from a DER/BER ContentInfo. Malformed input throws
 * CoreError; every signature outcome is a per-signer verdict (several signers, several verdicts).
 * All digests the signers need are computed in one pass over the content, streamed when the
 * detached content is an AsyncIterable — or taken from `contentDigests`, computed by the caller.
 */
export async function verifySignedData(der: Uint8Array, options: VerifyOptions): Promise<VerifyResult> {
  if (!(der instanceof Uint8Array)) throw new CoreError("invalid-argument", "SignedData must be bytes");
  const limits = options.limits ?? {};
  const ctx = berContext(limits.ber);
  const raw = parseSignedData(
    der,
    ctx,
    limits.maxSigners ?? DEFAULT_MAX_SIGNERS,
    limits.maxCertificates ?? DEFAULT_MAX_CERTIFICATES,
  );
  const form = raw.eContent ? "encapsulated" : "detached";
  const given = options.contentDigests;
  if (given && options.content !== undefined)
    throw new CoreError("invalid-argument", "supply the content or contentDigests, not both");
  if (form === "detached" && options.content === undefined && !given)
    throw new CoreError("invalid-argument", "detached signature: the signed content must be supplied");
  if (form === "encapsulated" && (options.content !== undefined || given))
    throw new CoreError("invalid-argument", "the signature encapsulates its content; do not supply content");

  const known = options.known ?? [];
  const configured = [...options.trust, ...known];
  const certificates = raw.certificates.flatMap((bytes) =>
    reuseOrParse(bytes, configured, options.certificateCache),
  );
  const messageCrls = raw.crls.flatMap((bytes): Crl[] => {
    try {
      return [parseCrl(bytes)];
    } catch {
      return []; // an unreadable CRL in the message is ignored, like a missing one (soft-fail)
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
    budget: options.pathBudget ?? pathBudget(limits.maxSignatureChecks),
  };
  const candidates = [...certificates, ...known];
  const pending = raw.signerInfos.map((info) =>
    prepareSigner(der, info, raw.contentType, candidates, ctx, judge),
  );

  // The signers' digest algorithms, in order, without repeats.
  const needed = new Map<DigestName, DigestInfo>();
  for (const p of pending) if (p.digest) needed.set(p.digest.name, p.digest);
  let content: Uint8Array | undefined;
  let digests: ReadonlyMap<string, Uint8Array>;
  if (given) {
    checkGivenDigests(pending, given);
    digests = given;
  } else {
    const hashes = [...needed.values()].map((d) => [d.name, createHash(d.node)] as const);
    const sinks: ContentSink[] = [...hashes.map(([, h]) => h), ...pending.flatMap((p) => p.sinks)];
    if (raw.eContent) {
      const pieces = [...octetStringPieces(der, raw.eContent, ctx)];
      for (const piece of pieces) for (const sink of sinks) sink.update(piece);
      content = pieces.length === 1 ? (pieces[0] as Uint8Array) : Buffer.concat(pieces);
    } else {
      await feedContent(options.content as NonNullable<VerifyOptions["content"]>, sinks);
    }
    digests = new Map(hashes.map(([name, h]) => [name, h.digest()]));
  }
  return {
    form,
    ...(content ? { content } : {}),
    contentType: raw.contentType,
    digests: [...needed.keys()],
    signers: pending.map((p) => p.finish(digests)),
    certificates,
    at,
  };
}

/** With digests instead of content, every signer must be checkable from them alone. */
function checkGivenDigests(
  pending: readonly PendingSigner[],
  given: ReadonlyMap<DigestName, Uint8Array>,
): void {
  for (const p of pending) {
    if (p.sinks.length > 0)
      throw new CoreError(
        "not-streamable",
        "a signature without signed attributes covers the content itself, which contentDigests cannot stand in for",
      );
    if (p.digest && !given.has(p.digest.name))
      throw new CoreError(
        "not-streamable",
        `a signer used ${p.digest.name}, which contentDigests does not hold`,
      );
  }
}

/**
 * A message certificate that is byte-identical to a configured or cached one reuses its parsed
 * object (no key re-import); unparseable ones are skipped (they are unauthenticated anyway).
 */
function reuseOrParse(
  bytes: Uint8Array,
  configured: readonly Certificate[],
  cache: Map<string, Certificate> | undefined,
): Certificate[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const same = configured.find((c) => c.der.length === bytes.length && view.equals(c.der));
  if (same) return [same];
  const key = cache ? createHash("sha256").update(view).digest("hex") : "";
  const cached = cache?.get(key);
  if (cached) return [cached];
  try {
    // A cached certificate must not pin the (possibly 50 MB) message buffer: copy its bytes.
    const parsed = parseCertificate(cache ? new Uint8Array(bytes) : bytes);
    if (cache && cache.size < 1000) cache.set(key, parsed);
    return [parsed];
  } catch (error) {
    if (error instanceof CoreError && error.code !== "limit-exceeded") return [];
    throw error;
  }
}
