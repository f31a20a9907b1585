import { CLASSIFY_BODY_BYTES, classifyMessage, DEFAULT_MIME_LIMITS, type MessageClass } from "@sealbox/core";
import { StoreError } from "../errors.js";
import { type HeaderBlock, requireHeader } from "./header-reader.js";

/**
 * A message on its way in, as delivery reads it: its first bytes in memory (enough for any
 * header block core accepts) and the whole message re-readable as a stream, so a 64 MiB
 * message is never one buffer. The worker's spool and `sealbox deliver`'s file are sources;
 * bytes already in memory are wrapped by `incomingMessage(raw)`.
 */
export interface MessageSource {
  /** The first min(size, HEADER_CAPTURE_BYTES) bytes of the message. */
  head: Uint8Array;
  /** The whole message's length in bytes. */
  size: number;
  /** The message from its first byte; every call reads it again (one call per stored copy). */
  open(): AsyncIterable<Uint8Array>;
}

/**
 * How many leading bytes a source must keep: the largest header block core parses, an mbox
 * "From " line in front (header-reader.ts skips up to 1,000 bytes), the blank line, and the
 * start of the body core classifies the message from (the CMS content type and cipher). A
 * header block that does not end within them is over core's limit, so requireHeader refuses it.
 */
export const HEADER_CAPTURE_BYTES = DEFAULT_MIME_LIMITS.maxHeaderBytes + 1000 + 4 + CLASSIFY_BODY_BYTES;

/** A source with its header block parsed — once: the sender policy, the rules and the listing all read `header`. */
export interface IncomingMessage extends MessageSource {
  readonly header: HeaderBlock;
  /** Core's classification (kind, cipher) from the CMS content at the start of the body: made once, read by every recipient's delivery. */
  readonly classification: MessageClass;
  /** The whole message, when it is in memory anyway. */
  readonly bytes: Uint8Array | undefined;
}

const parsed = new WeakSet<IncomingMessage>();

/**
 * Parses the header block of a source (or of bytes in memory). A header block over core's
 * limits is refused here (StoreError invalid-argument, field "header"): the rules could not
 * run on it. Passing the result on to deliver / deliverMany parses nothing again.
 */
export function incomingMessage(source: Uint8Array | MessageSource | IncomingMessage): IncomingMessage {
  if (!(source instanceof Uint8Array) && parsed.has(source as IncomingMessage))
    return source as IncomingMessage;
  const bytes = source instanceof Uint8Array ? source : undefined;
  const base: MessageSource = bytes
    ? {
        head: bytes.subarray(0, HEADER_CAPTURE_BYTES),
        size: bytes.byteLength,
        open: async function* () {
          yield bytes;
        },
      }
    : (source as MessageSource);
  if (!Number.isSafeInteger(base.size) || base.size < base.head.byteLength)
    throw new StoreError("invalid-argument", "message source: size is smaller than its head");
  if (base.head.byteLength < Math.min(base.size, HEADER_CAPTURE_BYTES))
    throw new StoreError(
      "invalid-argument",
      `message source: head must hold the first ${HEADER_CAPTURE_BYTES} bytes`,
    );
  const header = requireHeader(base.head);
  const message: IncomingMessage = Object.freeze({
    head: base.head,
    size: base.size,
    open: () => base.open(),
    header,
    // The classifier reads the same parse, not a second one. Behind an mbox "From " line (kept
    // in the stored copy, which readers then see as plain) it classifies the bytes as stored.
    classification: classifyMessage(base.head, {
      complete: base.head.byteLength === base.size,
      ...(header.entity && header.start === 0 ? { entity: header.entity } : {}),
    }),
    bytes,
  });
  parsed.add(message);
  return message;
}
