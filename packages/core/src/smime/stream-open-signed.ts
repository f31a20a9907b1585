/**
 * multipart/signed on a stream (RFC 1847 §2.1, RFC 8551 §3.5.3): part 1 is canonicalised
 * (RFC 8551 §3.1.1), hashed with the micalg digests and SHA-256, and handed to the next
 * layer's parser as it arrives; part 2 (the signature, small) is collected; the signature is
 * checked once the whole body — and so any outer decryption — is complete. Structure rules
 * and messages are those of mime/multipart.ts splitSigned and open.ts.
 */
import { verifySignedData } from "../cms/signed/index.js";
import { CoreError, isCoreError } from "../errors.js";
import type { ContentType } from "../mime/content-type.js";
import type { MimeLimits } from "../mime/limits.js";
import { type MimeEntity, parseEntityAt } from "../mime/parse-entity.js";
import type { PathBudget } from "../pki/path-budget.js";
import { signatureChecks, signedLayer } from "./layer-report.js";
import type { SmimeLimits } from "./limits.js";
import type { OpenOptions } from "./open.js";
import { detachedSignatureDer } from "./signature-part.js";
import { SignedPartCanonicalizer } from "./signed-part-bytes.js";
import { BoundaryScanner, type Segment } from "./stream-boundary-scanner.js";
import { digestSet, digestsForMicalg } from "./stream-digests.js";
import { StreamReader } from "./stream-reader.js";
import type { SinkWriter } from "./stream-sink.js";
import type { Layer } from "./types.js";

export interface Peeled {
  layers: Layer[];
  /** The header of the entity this step opened. */
  head: MimeEntity;
}

export interface OpenContext {
  options: OpenOptions;
  limits: SmimeLimits;
  mimeLimits: MimeLimits;
  at: Date;
  /**
   * The From mailboxes signatures are checked against (or options.from): the outermost
   * header's, then — once the outermost encryption is opened — the protected header's, if
   * it has a From (what a reader is shown, as openMessage does).
   */
  expected: string[] | undefined;
  /** Set while the next entity read is the content of the outermost encryption. */
  protectedNext?: boolean;
  /** The outermost encryption has been opened. */
  decryptedOnce?: boolean;
  /** A signed layer encloses what is being read (its signature was checked against the envelope's From). */
  signedOutside?: boolean;
  /** Path validation's signature checks, shared by every layer of the message. */
  budget: PathBudget;
  sink: SinkWriter;
  peel(reader: StreamReader, ctx: OpenContext, depth: number, decryptedCbc?: boolean): Promise<Peeled>;
}

const malformed = (message: string) => new CoreError("malformed", `MIME: ${message}`);

export async function peelMultipartSigned(
  head: MimeEntity,
  contentType: ContentType,
  reader: StreamReader,
  ctx: OpenContext,
  depth: number,
): Promise<Peeled> {
  const boundary = contentType.params.boundary;
  if (boundary === undefined || boundary === "")
    throw malformed(`${contentType.mediaType} has no boundary parameter`);
  if (boundary.length > 200 || !/^[\x20-\x7e]+$/.test(boundary))
    throw malformed("invalid boundary parameter");
  const scanner = new BoundaryScanner(boundary, ctx.mimeLimits.maxParts);
  const hashes = digestSet(digestsForMicalg(contentType.params.micalg));
  const signature: Uint8Array[] = [];
  /** Segments read while part 1 was still being handed out, belonging after it. */
  const later: Segment[] = [];

  // Part 1, canonical, as the inner parser pulls it.
  async function* signedPart(): AsyncGenerator<Uint8Array> {
    const canon = new SignedPartCanonicalizer(ctx.mimeLimits.maxHeaderBytes);
    let started = false;
    for (;;) {
      const chunk = await reader.next();
      const segments = chunk === undefined ? scanner.end() : scanner.push(chunk);
      for (let i = 0; i < segments.length; i++) {
        const s = segments[i] as Segment;
        if (s.kind === "delimiter" && started) {
          later.push(...segments.slice(i));
          const tail = canon.flush();
          hashes.update(tail);
          if (tail.length > 0) yield tail;
          return;
        }
        if (s.kind === "delimiter") started = true;
        if (s.kind !== "part") continue;
        const out = canon.push(s.bytes);
        hashes.update(out);
        if (out.length > 0) yield out;
      }
      if (chunk === undefined) return; // no second delimiter: the structure check below says so
    }
  }

  const signed = new StreamReader(signedPart());
  const inner = await ctx.peel(signed, ctx, depth + 1);
  for (let c = await signed.next(); c !== undefined; c = await signed.next()); // hash what the inner parser left

  const take = (segments: Segment[]): void => {
    for (const s of segments) if (s.kind === "part" && s.index === 1) signature.push(Buffer.from(s.bytes));
  };
  take(later);
  for (let c = await reader.next(); c !== undefined; c = await reader.next()) take(scanner.push(c));
  take(scanner.end());

  if (!scanner.sawDelimiter) throw malformed(`no "--${boundary}" delimiter line in the body`);
  if (!scanner.closed) throw malformed(`missing close delimiter "--${boundary}--"`);
  if (scanner.parts !== 2)
    throw malformed(`multipart/signed must have exactly 2 parts, found ${scanner.parts}`);

  const part = parseEntityAt(Buffer.concat(signature), ctx.mimeLimits, head.depth + 1, 0);
  const der = detachedSignatureDer(part, ctx.limits.ber);
  const result = await verifySignedData(der, {
    ...signatureChecks(ctx.options, ctx.at, ctx.expected, ctx.limits, ctx.budget),
    contentDigests: hashes.digests(),
  }).catch((error: unknown) => {
    if (!isCoreError(error, "not-streamable")) throw error;
    throw new CoreError(
      "not-streamable",
      `${error.message}: streaming keeps no content and computes only the digests micalg announces (and SHA-256); open the message with openMessage`,
      { cause: error },
    );
  });
  return { layers: [signedLayer("detached", result.signers, inner.head), ...inner.layers], head };
}
