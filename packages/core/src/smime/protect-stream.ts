/**
 * protectMessage on streams: the message is read once, in chunks, and the
 * protected message is written as it is produced, so a 50 MB message needs no whole-message
 * copy. Pipeline: header block → the entity made canonical CRLF, binary bodies excepted
 * (RFC 8551 §3.1.1), and for signing 7-bit safe (streamed makeSignable, one walk) →
 * multipart/signed, emitted while SignedData digests it, signature part at the end (RFC 1847
 * §2.1, RFC 8551 §3.5.3) → EnvelopedData / AuthEnvelopedData stream (RFC 5652 §6, RFC 5083) →
 * base64 in 76-column lines (RFC 8551 §3.2.1).
 *
 * Same semantics as protectMessage, and the same bytes where that is possible:
 * - messages up to `bufferBelow` bytes (default 256 KiB) are protected by protectMessage itself;
 * - detached signing of larger messages gives protectMessage's bytes (up to the random
 *   boundary), except in two corner cases of a streamed multipart: labelled 7bit, it keeps that
 *   label when a part header after a large part carries raw 8-bit bytes (protectMessage
 *   relabels it 8bit), and a delimiter line ended by a lone CR is not taken as a delimiter;
 * - encryption of larger messages writes BER with indefinite lengths and 64 KiB OCTET STRING
 *   pieces (RFC 5652 §6.1, X.690 §8.1.3.6; what `openssl cms -stream` writes) instead of DER:
 *   the length is unknown until the end. It opens to the same content.
 * What is held in memory instead of streamed: a message without Content-Type (its charset
 * label depends on the whole body), opaque signing (DER SignedData needs the content length
 * first), and single parts whose 7-bit safety makeSignable must judge on the whole body
 * (7bit/8bit/quoted-printable text, message/rfc822) — small in real mail.
 * Output chunks may be views of input chunks: a producer that reuses its buffers must let the
 * consumer finish with each output chunk before the next is asked for (nothing else is kept).
 * A failure (limit, malformed input) throws from the iteration; discard what was received.
 */
import { createHash, randomBytes } from "node:crypto";
import { cipherByName, DEFAULT_CIPHER, digestByName } from "../algorithms.js";
import { encryptEnvelopedStream } from "../cms/enveloped/index.js";
import { signData } from "../cms/signed/index.js";
import { CoreError } from "../errors.js";
import { base64Encode } from "../mime/base64.js";
import { buildMultipartSigned, buildPkcs7Mime } from "../mime/build.js";
import { toCanonicalCrlf } from "../mime/canonicalize.js";
import { contentEntityBytes } from "../mime/headers.js";
import { resolveMimeLimits } from "../mime/limits.js";
import { getHeader, type MimeEntity } from "../mime/parse-entity.js";
import { envelopeFields } from "./envelope-fields.js";
import { resolveSmimeLimits } from "./limits.js";
import { defaultDigest, outerFieldsKept, type ProtectOptions, protectMessage } from "./protect.js";
import { canonicalTransform } from "./stream-canonical.js";
import { type ByteTransform, EntityTransform } from "./stream-entity.js";
import { type ChunkSource, readEntityHead, STREAM_BUFFER_BELOW, StreamReader } from "./stream-reader.js";
import { signableTransform } from "./stream-signable.js";

export interface ProtectStreamOptions extends ProtectOptions {
  /** Messages up to this many bytes are protected whole, by protectMessage. Default 256 KiB; 0 streams all. */
  bufferBelow?: number;
  /** Randomness for the multipart/signed boundary and the CEK / IV (tests); default node:crypto. */
  rng?: (n: number) => Uint8Array;
}

const MIME_VERSION = Buffer.from("MIME-Version: 1.0\r\n", "latin1");

/** Validates the options now (misuse throws here), then protects the message as it is iterated. */
export function protectMessageStream(
  source: ChunkSource,
  options: ProtectStreamOptions,
): AsyncIterable<Uint8Array> {
  if (!options?.sign && !options?.encrypt)
    throw new CoreError("invalid-argument", "protect needs sign and/or encrypt");
  if (options.sign) {
    const digest = options.sign.digest ?? defaultDigest(options.sign.identity);
    if (!digestByName(digest)) throw new CoreError("unsupported-algorithm", `digest ${digest}`);
  }
  if (options.encrypt) {
    const cipher = options.encrypt.cipher ?? DEFAULT_CIPHER;
    if (!cipherByName(cipher)) throw new CoreError("unsupported-algorithm", `cipher ${cipher}`);
    if (options.encrypt.recipients.length === 0)
      throw new CoreError("invalid-argument", "encryption needs at least one recipient");
  }
  return protect(source, options);
}

async function* protect(source: ChunkSource, options: ProtectStreamOptions): AsyncGenerator<Uint8Array> {
  const limits = resolveSmimeLimits(options.limits);
  const mimeLimits = resolveMimeLimits();
  const reader = new StreamReader(source, limits.maxMessageBytes);
  try {
    const first = await reader.readUpTo(options.bufferBelow ?? STREAM_BUFFER_BELOW);
    if (first.ended) {
      yield await protectMessage(Buffer.concat(first.parts, first.length), options);
      return;
    }
    reader.unshiftAll(first.parts);
    first.parts.length = 0; // the reader holds them now; this frame must not pin them
    const head = await readEntityHead(reader, mimeLimits);
    if (!getHeader(head, "content-type") || options.sign?.opaque) {
      yield await protectWhole(head, reader, options);
      return;
    }
    const outerFields = outerFieldsKept(head);
    const outerBytes = Buffer.concat(outerFields.map((f) => toCanonicalCrlf(f.raw)));
    // protect.ts: the entity is the Content-* fields and the body, canonical except binary
    // bodies; signing makes it 7-bit safe too (one walk does both).
    const entity = transformed(
      contentEntityBytes(head),
      reader,
      new EntityTransform(options.sign ? signableTransform : canonicalTransform, mimeLimits, 0),
    );
    const rng = options.rng ?? randomBytes;
    const message = options.sign
      ? signedMessage(outerBytes, entity, options.sign, rng)
      : prefixed(Buffer.concat([outerBytes, MIME_VERSION]), entity);
    if (!options.encrypt) {
      yield* message;
      return;
    }
    const cipher = options.encrypt.cipher ?? DEFAULT_CIPHER;
    const der = encryptEnvelopedStream(message, {
      recipients: options.encrypt.recipients,
      cipher,
      oaep: options.encrypt.oaep ? { hash: "SHA-256" } : false,
      ...(options.rng ? { rng: options.rng } : {}),
    });
    const gcm = cipherByName(cipher)?.mode === "gcm";
    const visible = envelopeFields(outerFields, options.hideSubject ?? false);
    yield Buffer.concat([...visible, MIME_VERSION]);
    yield* buildPkcs7Mime({
      der,
      smimeType: gcm ? "authEnveloped-data" : "enveloped-data",
      mimeVersion: false,
    });
  } finally {
    await reader.close();
  }
}

/** The entity's header bytes, then the rest of the reader, through a transform. */
async function* transformed(
  head: Uint8Array,
  reader: StreamReader,
  transform: ByteTransform,
): AsyncGenerator<Uint8Array> {
  yield* transform.push(head);
  for (let c = await reader.next(); c !== undefined; c = await reader.next()) yield* transform.push(c);
  yield* transform.end();
}

async function* prefixed(head: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield head;
  yield* rest;
}

/** The cases that need the whole message: protectMessage itself, on the bytes as read. */
async function protectWhole(
  head: MimeEntity,
  reader: StreamReader,
  options: ProtectStreamOptions,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [head.raw];
  for (let c = await reader.next(); c !== undefined; c = await reader.next()) parts.push(Buffer.from(c));
  return protectMessage(Buffer.concat(parts), options);
}

/**
 * outer fields + MIME-Version + multipart/signed, byte for byte as buildMultipartSigned writes
 * it (the builder itself makes the frame around an empty entity). Part 1 is digested as it is
 * emitted (nothing is kept); signData signs that digest and the signature part follows at the end.
 */
async function* signedMessage(
  outer: Uint8Array,
  entity: AsyncIterable<Uint8Array>,
  sign: NonNullable<ProtectOptions["sign"]>,
  rng: (n: number) => Uint8Array,
): AsyncGenerator<Uint8Array> {
  const name = sign.digest ?? defaultDigest(sign.identity);
  const digest = digestByName(name);
  if (!digest) throw new CoreError("unsupported-algorithm", `digest ${name}`);
  // mime/build.ts chooseBoundary's form; its "not in the content" check is done as we go.
  const boundary = `----=_sealbox_${Buffer.from(rng(16)).toString("hex")}`;
  const frame = buildMultipartSigned({
    signedEntity: new Uint8Array(0),
    signatureDer: Uint8Array.of(0),
    micalg: digest.micalg,
    mimeVersion: false,
    boundary,
  });
  const close = Buffer.from(`--${boundary}--\r\n`, "latin1");
  const placeholder = base64Encode(Uint8Array.of(0));
  const tail = Buffer.from(frame.bytes.subarray(frame.signedEnd));
  const middle = tail.subarray(0, tail.length - placeholder.length - close.length);
  if (!tail.subarray(middle.length).equals(Buffer.concat([placeholder, close])))
    throw new CoreError("invalid-argument", "unexpected multipart/signed frame");

  const hash = createHash(digest.node);
  const watch = new OccurrenceWatch(`--${boundary}`);
  yield Buffer.concat([outer, MIME_VERSION, frame.bytes.subarray(0, frame.signedStart)]);
  for await (const out of entity) {
    watch.check(out);
    hash.update(out);
    yield out;
  }
  const der = await signData(undefined, {
    signers: [{ identity: sign.identity, digest: digest.name, scheme: sign.scheme ?? "pkcs1" }],
    detached: true,
    contentDigests: new Map([[digest.name, hash.digest()]]),
    signingTime: sign.signingTime,
    includeChain: true,
  });
  yield Buffer.concat([middle, base64Encode(der), close]);
}

/** Finds a pattern anywhere in a stream of chunks (the boundary must not occur in part 1). */
class OccurrenceWatch {
  readonly #pattern: Buffer;
  /** The last pattern.length - 1 bytes seen, then room for as many of the next chunk. */
  readonly #seam: Buffer;
  #kept = 0;
  constructor(pattern: string) {
    this.#pattern = Buffer.from(pattern, "latin1");
    this.#seam = Buffer.alloc(2 * (this.#pattern.length - 1));
  }
  check(chunk: Uint8Array): void {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const keep = this.#pattern.length - 1;
    const head = Math.min(keep, buf.length);
    buf.copy(this.#seam, this.#kept, 0, head);
    const seam = this.#seam.subarray(0, this.#kept + head);
    if (seam.indexOf(this.#pattern) !== -1 || buf.indexOf(this.#pattern) !== -1)
      throw new CoreError("invalid-argument", "the multipart/signed boundary occurs in the content");
    const from = Math.max(0, seam.length - keep);
    seam.copy(this.#seam, 0, from);
    this.#kept = seam.length - from;
  }
}
