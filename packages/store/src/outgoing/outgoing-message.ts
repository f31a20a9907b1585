import { StoreError } from "../errors.js";

/** The job kind the worker's outgoing queue consumes. */
export const OUTGOING_JOB_KIND = "smtp-out";

/** Where an outgoing message goes and on whose behalf: the SMTP envelope. */
export interface OutgoingEnvelope {
  /** MAIL FROM; "" is the null reverse-path (bounces, RFC 5321 §4.5.5). */
  envelopeFrom: string;
  /** RCPT TO addresses, one or more. */
  recipients: string[];
  /** The local account that sent it (for bounces and status), if any. */
  accountId?: string;
  /** Set on a bounce (DSN) so a failing bounce is never bounced again. */
  isBounce?: boolean;
}

/**
 * One message on its way to the relay: the SMTP envelope plus the exact bytes. The job
 * payload is a 4-byte big-endian header length, the JSON envelope, then the raw message;
 * the raw bytes are never turned into a string. A message over one blob chunk keeps its
 * bytes in the job's blob instead (`bytesInBlob` in the JSON, nothing after it); payloads
 * without that field, every job queued before blobs among them, hold the bytes inline.
 */
export interface OutgoingMessage extends OutgoingEnvelope {
  raw: Uint8Array;
}

/** A decoded payload: the bytes inline, or null when they are in the job's blob. */
export interface OutgoingPayload {
  envelope: OutgoingEnvelope;
  raw: Uint8Array | null;
}

function encodeHead(envelope: OutgoingEnvelope, bytesInBlob: boolean): Buffer {
  if (envelope.recipients.length === 0)
    throw new StoreError("invalid-argument", "an outgoing message needs a recipient");
  const head = Buffer.from(
    JSON.stringify({
      envelopeFrom: envelope.envelopeFrom,
      recipients: envelope.recipients,
      accountId: envelope.accountId ?? null,
      isBounce: envelope.isBounce ?? false,
      // Only when set: an inline payload stays byte for byte what it always was.
      ...(bytesInBlob ? { bytesInBlob: true } : {}),
    }),
    "utf8",
  );
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  return Buffer.concat([length, head]);
}

export function encodeOutgoing(message: OutgoingMessage): Uint8Array {
  return Buffer.concat([encodeHead(message, false), message.raw]);
}

/** The payload of a job whose message bytes are in its blob: the envelope alone. */
export function encodeOutgoingEnvelope(envelope: OutgoingEnvelope): Uint8Array {
  return encodeHead(envelope, true);
}

export function decodeOutgoingPayload(payload: Uint8Array): OutgoingPayload {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (bytes.length < 4) throw new StoreError("invalid-argument", "outgoing payload is truncated");
  const headLength = bytes.readUInt32BE(0);
  if (4 + headLength > bytes.length)
    throw new StoreError("invalid-argument", "outgoing payload header is truncated");
  const head = JSON.parse(bytes.subarray(4, 4 + headLength).toString("utf8")) as {
    envelopeFrom: string;
    recipients: string[];
    accountId: string | null;
    isBounce: boolean;
    bytesInBlob?: boolean;
  };
  const envelope: OutgoingEnvelope = {
    envelopeFrom: head.envelopeFrom,
    recipients: head.recipients,
    ...(head.accountId ? { accountId: head.accountId } : {}),
    ...(head.isBounce ? { isBounce: true } : {}),
  };
  return { envelope, raw: head.bytesInBlob === true ? null : bytes.subarray(4 + headLength) };
}

/** A payload that holds its bytes inline (every small message; see decodeOutgoingPayload for the rest). */
export function decodeOutgoing(payload: Uint8Array): OutgoingMessage {
  const { envelope, raw } = decodeOutgoingPayload(payload);
  if (!raw)
    throw new StoreError(
      "invalid-argument",
      "the outgoing message's bytes are in the job's blob, not its payload",
    );
  return { ...envelope, raw };
}
