/**
 * openMessage on streams: peels every S/MIME layer, outermost first, while
 * the message is read once in chunks; the innermost content goes to `out` as it is produced.
 * Each layer's inner entity feeds the next layer's parser, so sign+encrypt streams too:
 * base64 (RFC 2045 §6.8) → EnvelopedData / AuthEnvelopedData decryption (RFC 5652 §6, RFC 5083)
 * → header block → multipart/signed, whose part 1 is canonicalised (RFC 8551 §3.1.1), hashed
 * and passed on while the boundary scanner looks for the signature part (RFC 1847 §2.1).
 *
 * Same layers, verdicts and content as openMessage; messages up to `bufferBelow` bytes (default
 * 256 KiB) are opened by openMessage itself. Above that, what differs:
 * - `out` receives content before the verdict: CBC plaintext before the final pad check, a
 *   signed entity before its signature is checked. Treat it as provisional until the promise
 *   resolves; on a rejection discard it (a wrong key and a bad pad still give the one
 *   "decryption-failed" error, also when the garbage made the inner parser fail first).
 * - AES-GCM plaintext is held until the tag verifies (RFC 5084 §1.2 — never release
 *   unauthenticated plaintext): memory grows with the content for AuthEnvelopedData.
 * - multipart/signed: the digests computed are those named by micalg (RFC 8551 §3.5.3.2) plus
 *   SHA-256. A signer using another digest, or signing the content directly (no signed
 *   attributes), throws CoreError("not-streamable"): the content was not kept for a second
 *   pass. Open such a message with openMessage.
 * - opaque signed-data (application/pkcs7-mime; smime-type=signed-data) is read whole
 *   before it is verified: its SignerInfos follow the content.
 * - when both the inner content and the outer structure are malformed, the inner error may
 *   be the one reported.
 */
import { decryptEnvelopedStream } from "../cms/enveloped/index.js";
import { verifySignedData } from "../cms/signed/index.js";
import { CoreError, isCoreError } from "../errors.js";
import { base64DecodeChunks, qpDecode } from "../mime/base64.js";
import { type ContentType, parseContentType } from "../mime/content-type.js";
import { resolveMimeLimits } from "../mime/limits.js";
import { getHeader, type MimeEntity } from "../mime/parse-entity.js";
import { pathBudget } from "../pki/path-budget.js";
import { checkSmimeType, classifyEntity, signedDataShape } from "./classify.js";
import { decryptionFailed } from "./decrypt-envelope.js";
import { encryptedLayer, senderAddresses, signatureChecks, signedLayer } from "./layer-report.js";

/** Fields that mark an entity as a whole message's header (open.ts, the protected header). */
const MESSAGE_FIELDS = new Set(["from", "to", "subject", "date"]);

import { envelopeLimits, resolveSmimeLimits } from "./limits.js";
import { type OpenOptions, openMessage } from "./open.js";
import { type OpenContext, type Peeled, peelMultipartSigned } from "./stream-open-signed.js";
import { plausibleReader } from "./stream-plausible.js";
import { type ChunkSource, readEntityHead, STREAM_BUFFER_BELOW, StreamReader } from "./stream-reader.js";
import { type ContentSink, sinkWriter } from "./stream-sink.js";
import { SNIFF_BYTES, sniffCmsPrefix } from "./stream-sniff.js";
import type { Layer } from "./types.js";

export interface OpenStreamOptions extends OpenOptions {
  /** Receives the innermost entity (see OpenResult.content), chunk by chunk. */
  out?: ContentSink;
  /** Messages up to this many bytes are opened whole, by openMessage. Default 256 KiB; 0 streams all. */
  bufferBelow?: number;
}

export interface OpenStreamResult {
  /** Outermost first, as openMessage reports them. */
  layers: Layer[];
  /** Bytes written to `out`. */
  contentBytes: number;
}

export async function openMessageStream(
  source: ChunkSource,
  options: OpenStreamOptions = {},
): Promise<OpenStreamResult> {
  const limits = resolveSmimeLimits(options.limits);
  const sink = sinkWriter(options.out);
  const reader = new StreamReader(source, limits.maxMessageBytes);
  try {
    const first = await reader.readUpTo(options.bufferBelow ?? STREAM_BUFFER_BELOW);
    if (first.ended) {
      const result = await openMessage(Buffer.concat(first.parts, first.length), options);
      await sink.write(result.content);
      return { layers: result.layers, contentBytes: sink.bytes };
    }
    reader.unshiftAll(first.parts);
    first.parts.length = 0; // the reader holds them now; this frame must not pin them
    const ctx: OpenContext = {
      options,
      limits,
      mimeLimits: resolveMimeLimits(),
      at: options.at ?? new Date(),
      expected: undefined,
      budget: pathBudget(limits.maxSignatureChecks),
      sink,
      peel,
    };
    const { layers } = await peel(reader, ctx, 0);
    return { layers, contentBytes: sink.bytes };
  } finally {
    sink.release();
    await reader.close();
  }
}

/**
 * One entity: its layer (if it is S/MIME) and every layer inside it; `head` is its header.
 * `decryptedCbc`: the entity is CBC-decrypted content, which must be plausible (open.ts).
 */
async function peel(
  source: StreamReader,
  ctx: OpenContext,
  depth: number,
  decryptedCbc = false,
): Promise<Peeled> {
  const head = await readEntityHead(source, ctx.mimeLimits);
  const reader = decryptedCbc ? plausibleReader(head, source) : source;
  if (depth === 0) ctx.expected = ctx.options.from ? [ctx.options.from] : senderAddresses(head);
  if (ctx.protectedNext) {
    ctx.protectedNext = false;
    if (!ctx.options.from && head.headers.some((f) => MESSAGE_FIELDS.has(f.name.toLowerCase())))
      ctx.expected = senderAddresses(head) ?? ctx.expected;
  }
  const contentType = parseContentType(getHeader(head, "content-type")?.value);
  const kind = classifyEntity(head, contentType);
  if (kind === "none") {
    await ctx.sink.write(head.raw);
    for (let c = await reader.next(); c !== undefined; c = await reader.next()) await ctx.sink.write(c);
    return { layers: [], head };
  }
  if (depth >= ctx.limits.maxLayers)
    throw new CoreError("limit-exceeded", `more than ${ctx.limits.maxLayers} S/MIME layers`);
  if (kind === "multipart-signed") {
    ctx.signedOutside = true;
    return peelMultipartSigned(head, contentType, reader, ctx, depth);
  }
  return peelPkcs7Mime(head, contentType, reader, ctx, depth);
}

/** application/pkcs7-mime (RFC 8551 §3.2): the CMS type decides (RFC 8551 §3.2.2). */
async function peelPkcs7Mime(
  head: MimeEntity,
  contentType: ContentType,
  reader: StreamReader,
  ctx: OpenContext,
  depth: number,
): Promise<Peeled> {
  // The encoded body is kept only until we know it is not EnvelopedData (certs-only needs it).
  let raw: Uint8Array[] | undefined = [];
  async function* body(): AsyncGenerator<Uint8Array> {
    for (let c = await reader.next(); c !== undefined; c = await reader.next()) {
      raw?.push(Buffer.from(c));
      yield c;
    }
  }
  const der = new StreamReader(decodedBody(head, body()));
  const prefix = await der.readUpTo(SNIFF_BYTES);
  der.unshiftAll(prefix.parts);
  const cms = sniffCmsPrefix(Buffer.concat(prefix.parts, prefix.length));
  checkSmimeType(contentType.params["smime-type"], cms.kind, cms.oid);

  if (cms.kind === "enveloped" || cms.kind === "authEnveloped") {
    raw = undefined;
    const identities = ctx.options.identities ?? [];
    if (identities.length === 0)
      throw new CoreError("not-a-recipient", "the message is encrypted and no private key was offered");
    try {
      return await peelEnveloped(head, der, identities, ctx, depth);
    } catch (error) {
      // Whichever check failed inside (unwrap, pad, tag, noise), one error from one place.
      if (isCoreError(error, "decryption-failed")) throw decryptionFailed();
      throw error;
    }
  }
  if (cms.kind === "signed") {
    ctx.signedOutside = true;
    const parts: Uint8Array[] = [];
    for (let c = await der.next(); c !== undefined; c = await der.next()) parts.push(Buffer.from(c));
    const bytes = Buffer.concat(parts);
    const shape = signedDataShape(bytes, ctx.limits.ber);
    if (shape.signerInfos === 0) {
      // certs-only: a certificate bundle, not a signature; it is the content (openMessage's break).
      await ctx.sink.write(head.raw);
      for (const part of raw ?? []) await ctx.sink.write(part);
      return { layers: [], head };
    }
    raw = undefined;
    if (!shape.encapsulated)
      throw new CoreError("malformed", "opaque signed-data without encapsulated content");
    const result = await verifySignedData(
      bytes,
      signatureChecks(ctx.options, ctx.at, ctx.expected, ctx.limits, ctx.budget),
    );
    if (!result.content) throw new CoreError("malformed", "opaque signed-data without encapsulated content");
    const inner = await ctx.peel(new StreamReader([result.content]), ctx, depth + 1);
    return { layers: [signedLayer("opaque", result.signers, inner.head), ...inner.layers], head };
  }
  throw new CoreError(
    "unsupported-algorithm",
    `S/MIME content type ${cms.oid} (${cms.kind}) is not supported`,
  );
}

async function peelEnveloped(
  head: MimeEntity,
  der: StreamReader,
  identities: NonNullable<OpenStreamOptions["identities"]>,
  ctx: OpenContext,
  depth: number,
): Promise<Peeled> {
  const opened = await decryptEnvelopedStream(der.rest(), { identities, limits: envelopeLimits(ctx.limits) });
  const layer = encryptedLayer(opened.info);
  const plain = new StreamReader(opened.content);
  try {
    // Only an encryption no signature encloses: a signature outside was checked against the envelope.
    if (!ctx.decryptedOnce && !ctx.signedOutside) ctx.protectedNext = true;
    ctx.decryptedOnce = true;
    const inner = await ctx.peel(plain, ctx, depth + 1, opened.info.kind === "enveloped");
    return { layers: [layer, ...inner.layers], head };
  } catch (error) {
    // openMessage decrypts before it parses: a decryption failure wins over what the
    // (garbage) plaintext made the inner parser throw, so every wrong key looks the same.
    for (let c = await plain.next(); c !== undefined; c = await plain.next());
    throw error;
  } finally {
    await plain.close(); // ends the decryption early on any other failure: the CEK is wiped
  }
}

/** body.ts decodeEntityBody, streaming for base64 (quoted-printable is decoded whole: rare here). */
export async function* decodedBody(
  head: MimeEntity,
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const encoding = (getHeader(head, "content-transfer-encoding")?.value ?? "7bit").trim().toLowerCase();
  switch (encoding) {
    case "base64":
      yield* base64DecodeChunks(body);
      return;
    case "quoted-printable": {
      const parts: Uint8Array[] = [];
      for await (const c of body) parts.push(Buffer.from(c));
      yield qpDecode(Buffer.concat(parts));
      return;
    }
    case "7bit":
    case "8bit":
    case "binary":
      yield* body;
      return;
    default:
      throw new CoreError("malformed", `unknown Content-Transfer-Encoding "${encoding}"`);
  }
}
