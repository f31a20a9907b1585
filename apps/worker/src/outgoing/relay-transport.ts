import { Readable } from "node:stream";
import nodemailer, { type NodemailerError } from "nodemailer";
import type { RelayEnv } from "../env.js";

export interface RecipientFailure {
  recipient: string;
  /** 5xx: retrying gets the same answer (RFC 5321 §4.2.1). */
  permanent: boolean;
  /** The relay's reply (or the connection error), one line. */
  response: string;
}

/**
 * How a hand-off went: `sent` when the relay took the message for at least one recipient (or
 * answered each recipient), `failed` when the whole attempt failed (connection, TLS, AUTH,
 * MAIL FROM or DATA refused).
 */
export type SendOutcome =
  | { kind: "sent"; accepted: string[]; failed: RecipientFailure[]; response: string }
  | { kind: "failed"; permanent: boolean; response: string };

export interface RelayTransport {
  /** `raw` whole, or as chunks read while they are sent (a large queued message). */
  send(
    envelope: { from: string; to: string[] },
    raw: Uint8Array | AsyncIterable<Uint8Array>,
  ): Promise<SendOutcome>;
  close(): void;
}

const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ").slice(0, 500);

function failureOf(error: NodemailerError): RecipientFailure {
  return {
    recipient: error.recipient ?? "",
    permanent: error.permanent === true,
    response: oneLine(error.response ?? error.message),
  };
}

/**
 * The configured relay through nodemailer's SMTP transport: the envelope from the job and
 * the raw bytes exactly as stored (nodemailer `envelope` + `raw`, a Buffer or a stream it pipes
 * into DATA; "" is MAIL FROM:<>). One
 * connection per message and no hidden requeues — retries are the queue's business, so a
 * dropped connection is reported, never silently sent twice. A 5xx to AUTH or STARTTLS is
 * our configuration's fault, not the message's: it counts as temporary, never bounces mail.
 */
export function relayTransport(relay: RelayEnv, ehloName: string): RelayTransport {
  const transport = nodemailer.createTransport({
    host: relay.host,
    port: relay.port,
    secure: relay.tls === "tls",
    requireTLS: relay.tls === "starttls",
    ignoreTLS: relay.tls === "off",
    ...(relay.user ? { auth: { user: relay.user, pass: relay.password ?? "" } } : {}),
    name: ehloName,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 5 * 60_000,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  return {
    async send(envelope, raw) {
      try {
        const info = await transport.sendMail({
          envelope: { from: envelope.from, to: envelope.to },
          raw:
            raw instanceof Uint8Array
              ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
              : Readable.from(raw, { objectMode: false }),
        });
        const rejectedErrors = (info as { rejectedErrors?: NodemailerError[] }).rejectedErrors ?? [];
        return {
          kind: "sent",
          accepted: (info.accepted as Array<string | { address: string }>).map((a) =>
            typeof a === "string" ? a : a.address,
          ),
          failed: rejectedErrors.map(failureOf),
          response: oneLine(String(info.response ?? "")),
        };
      } catch (caught) {
        const error = caught as NodemailerError;
        if (error.code === "EENVELOPE" && error.rejectedErrors && error.rejectedErrors.length > 0)
          return { kind: "sent", accepted: [], failed: error.rejectedErrors.map(failureOf), response: "" };
        const configProblem = error.code === "EAUTH" || error.code === "ETLS" || error.command === "STARTTLS";
        return {
          kind: "failed",
          permanent: error.permanent === true && !configProblem,
          response: oneLine(error.response ?? `${error.code ?? "error"}: ${error.message}`),
        };
      }
    },
    close: () => transport.close(),
  };
}
