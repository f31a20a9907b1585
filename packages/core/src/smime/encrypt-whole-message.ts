import { type CipherName, cipherByName, DEFAULT_CIPHER } from "../algorithms.js";
import { encryptEnveloped, encryptEnvelopedStream } from "../cms/enveloped/index.js";
import { CoreError } from "../errors.js";
import { buildPkcs7Mime } from "../mime/build.js";
import { resolveMimeLimits } from "../mime/limits.js";
import { getHeaders, type MimeEntity, parseEntity } from "../mime/parse-entity.js";
import type { Certificate } from "../pki/certificate.js";
import { envelopeFields } from "./envelope-fields.js";
import { type ChunkSource, readEntityHead, StreamReader } from "./stream-reader.js";

/** Fields that stay readable outside a whole-message envelope. */
export const ENVELOPE_VISIBLE_FIELDS = ["From", "To", "Cc", "Date", "Message-ID", "Subject"] as const;

export interface EncryptWholeMessageOptions {
  recipients: Certificate[];
  cipher?: CipherName;
  oaep?: boolean;
  /** The visible Subject reads "[...]" (envelope-fields.ts); the encrypted message keeps the real one. */
  hideSubject?: boolean;
}

export interface EncryptWholeMessageStreamOptions extends EncryptWholeMessageOptions {
  /**
   * The message's exact length, when the caller knows it (a spooled or stored message): the
   * EnvelopedData is then DER with definite lengths; without it, BER with indefinite lengths
   * and 64 KiB pieces (RFC 5652 §6.1, what `openssl cms -stream` writes). Both open alike.
   */
  contentLength?: number;
  /** Randomness for the CEK / IV (tests); default node:crypto. */
  rng?: (n: number) => Uint8Array;
  /**
   * parseEntity's result for the source's header block, when the caller has it (delivery parses
   * it once for the rules): the envelope's fields are copied from it and the stream is not
   * parsed again. It must be the header block the source starts with.
   */
  header?: MimeEntity;
}

/**
 * Encrypts a complete stored message — every header field and the body, byte for byte as
 * stored — so that decrypting it gives back exactly those bytes (Encrypt in place, Store
 * Encrypted). The visible envelope keeps copies of From, To, Cc, Date, Message-ID and
 * Subject, as their original raw field bytes — the Subject as "[...]" when hidden. The inner
 * message is not given RFC 9788's HP-Outer fields or `hp` parameter: it stays the stored bytes.
 */
export async function encryptWholeMessage(
  raw: Uint8Array,
  options: EncryptWholeMessageOptions,
): Promise<Uint8Array> {
  const cipher = options.cipher ?? DEFAULT_CIPHER;
  const info = cipherByName(cipher);
  if (!info) throw new CoreError("unsupported-algorithm", `cipher ${cipher}`);
  if (options.recipients.length === 0)
    throw new CoreError("invalid-argument", "encryption needs at least one recipient");
  const message = parseEntity(raw);
  const visible = envelopeFields(
    ENVELOPE_VISIBLE_FIELDS.flatMap((name) => getHeaders(message, name)),
    options.hideSubject ?? false,
  );
  const der = await encryptEnveloped(raw, {
    recipients: options.recipients,
    cipher,
    oaep: options.oaep ? { hash: "SHA-256" } : false,
  });
  const envelope = buildPkcs7Mime({
    der,
    smimeType: info.mode === "gcm" ? "authEnveloped-data" : "enveloped-data",
    mimeVersion: false,
  });
  return Buffer.concat([...visible, Buffer.from("MIME-Version: 1.0\r\n"), envelope]);
}

/**
 * encryptWholeMessage on a stream: the same visible envelope and the same inner bytes, but
 * the message is read once, in chunks, and the envelope written as it is produced (base64 in
 * 76-column lines), so memory stays about one chunk plus the header block (bounded by core's
 * MIME limits) whatever the message size. A hidden Subject is written as `Subject: [...]`
 * (RFC 9788 §4.5.1: the real one stays in the encrypted header). Options are checked before
 * this returns; a malformed header block or a source error throws from the iteration (discard
 * what was received). Output chunks may be views of input chunks: finish with each before
 * asking for the next.
 */
export function encryptWholeMessageStream(
  source: ChunkSource,
  options: EncryptWholeMessageStreamOptions,
): AsyncIterable<Uint8Array> {
  const cipher = options.cipher ?? DEFAULT_CIPHER;
  const info = cipherByName(cipher);
  if (!info) throw new CoreError("unsupported-algorithm", `cipher ${cipher}`);
  if (options.recipients.length === 0)
    throw new CoreError("invalid-argument", "encryption needs at least one recipient");
  return streamWhole(source, options, cipher, info.mode === "gcm");
}

async function* streamWhole(
  source: ChunkSource,
  options: EncryptWholeMessageStreamOptions,
  cipher: CipherName,
  gcm: boolean,
): AsyncGenerator<Uint8Array> {
  const reader = new StreamReader(source);
  try {
    const head = options.header ?? (await readEntityHead(reader, resolveMimeLimits()));
    const content = options.header ? reader.rest() : wholeContent(head, reader);
    const der = encryptEnvelopedStream(content, {
      recipients: options.recipients,
      cipher,
      oaep: options.oaep ? { hash: "SHA-256" } : false,
      ...(options.contentLength !== undefined ? { contentLength: options.contentLength } : {}),
      ...(options.rng ? { rng: options.rng } : {}),
    });
    const visible = envelopeFields(
      ENVELOPE_VISIBLE_FIELDS.flatMap((name) => getHeaders(head, name)),
      options.hideSubject ?? false,
    );
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

/** The message byte for byte: its header block as read, then the rest of the stream. */
async function* wholeContent(head: MimeEntity, reader: StreamReader): AsyncGenerator<Uint8Array> {
  yield head.raw;
  yield* reader.rest();
}

const MIME_VERSION = Buffer.from("MIME-Version: 1.0\r\n", "latin1");
