import { StoreError } from "../errors.js";

/** The job kind the worker's outgoing queue consumes. */
export const OUTGOING_JOB_KIND = "smtp-out";

/**
 * One message on its way to the relay: the SMTP envelope plus the exact bytes. The job
 * payload is a 4-byte big-endian header length, the JSON envelope, then the raw message;
 * the raw bytes are never turned into a string.
 */
export interface OutgoingMessage {
  /** MAIL FROM; "" is the null reverse-path (bounces, RFC 5321 §4.5.5). */
  envelopeFrom: string;
  /** RCPT TO addresses, one or more. */
  recipients: string[];
  raw: Uint8Array;
  /** The local account that sent it (for bounces and status), if any. */
  accountId?: string;
  /** Set on a bounce (DSN) so a failing bounce is never bounced again. */
  isBounce?: boolean;
}

export function encodeOutgoing(message: OutgoingMessage): Uint8Array {
  if (message.recipients.length === 0)
    throw new StoreError("invalid-argument", "an outgoing message needs a recipient");
  const head = Buffer.from(
    JSON.stringify({
      envelopeFrom: message.envelopeFrom,
      recipients: message.recipients,
      accountId: message.accountId ?? null,
      isBounce: message.isBounce ?? false,
    }),
    "utf8",
  );
  const length = Buffer.alloc(4);
  length.writeUInt32BE(head.length);
  return Buffer.concat([length, head, message.raw]);
}

export function decodeOutgoing(payload: Uint8Array): OutgoingMessage {
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
  };
  return {
    envelopeFrom: head.envelopeFrom,
    recipients: head.recipients,
    raw: bytes.subarray(4 + headLength),
    ...(head.accountId ? { accountId: head.accountId } : {}),
    ...(head.isBounce ? { isBounce: true } : {}),
  };
}
