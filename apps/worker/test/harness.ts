import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { type OpenStoreOptions, openStore, type Store, silentLogger } from "@sealbox/store";
import nodemailer from "nodemailer";
import { SMTPServer, type SMTPServerSession } from "smtp-server";
import { DEFAULT_SMTP_GREET_PAUSE_MS, DEFAULT_SMTP_MAX_BYTES, SMTP_LIMIT_DEFAULTS } from "../src/env.js";
import { createLogger, type Logger } from "../src/log.js";
import type { WorkerConfig } from "../src/worker.js";

/** Cheap password hashing for tests that are not about it (same format). */
export const TEST_SCRYPT = { logN: 10, r: 8, p: 1 };
export const SECURE_PASSWORD = "Secure Mail pw 1";

export function openTestStore(
  target: { url: string; base: string },
  options: Partial<OpenStoreOptions> = {},
): Promise<Store> {
  return openStore(target.url, {
    base: target.base,
    logger: silentLogger,
    passwordHashing: TEST_SCRYPT,
    serverSecret: randomBytes(32),
    ...options,
  });
}

/** A pino logger whose JSON lines land in `lines` (for the no-secrets-in-logs test). */
export function captureLogger(level = "debug"): { log: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      done();
    },
  });
  return { log: createLogger(level, sink), lines, text: () => lines.join("\n") };
}

export function testConfig(overrides: Partial<WorkerConfig> = {}): WorkerConfig {
  return {
    workerId: `test-${process.pid}`,
    smtpHost: "127.0.0.1",
    smtpPort: 0,
    smtpName: "mx.sealbox.test",
    smtpMaxBytes: DEFAULT_SMTP_MAX_BYTES,
    smtpTlsCert: undefined,
    smtpTlsKey: undefined,
    smtpAllowLoopbackAuth: false,
    smtpDeliveryThread: false,
    smtpMaxClients: SMTP_LIMIT_DEFAULTS.maxClients,
    smtpMaxClientsPerAddress: SMTP_LIMIT_DEFAULTS.maxClientsPerAddress,
    smtpCommandTimeoutMs: SMTP_LIMIT_DEFAULTS.commandTimeoutMs,
    smtpDataTimeoutMs: SMTP_LIMIT_DEFAULTS.dataTimeoutMs,
    smtpGreetPauseMs: DEFAULT_SMTP_GREET_PAUSE_MS,
    relay: undefined,
    relayConcurrency: 2,
    relayLeaseMs: 5_000,
    relayPollMs: 50,
    relayRetryBaseMs: 200,
    ...overrides,
  };
}

/** A current Secure Mail certificate (EC P-256, from the server CA) so Store Encrypted can encrypt. */
export async function giveCertificate(store: Store, accountId: string): Promise<void> {
  await store.secureMail.generate(accountId, SECURE_PASSWORD, { keyAlgorithm: "EC-P256" });
}

export interface SendResult {
  ok: boolean;
  code: number | null;
  response: string;
  errorCode?: string;
}

/** One message over SMTP with nodemailer as the client (one connection, no pool). */
export async function smtpSend(
  port: number,
  message: { from: string; to: string[]; raw: Buffer | string },
  options: {
    auth?: { user: string; pass: string };
    starttls?: boolean;
    host?: string;
    /** How long the client waits on a quiet socket (a 64 MiB delivery answers after a while). */
    socketTimeoutMs?: number;
  } = {},
): Promise<SendResult> {
  const transport = nodemailer.createTransport({
    host: options.host ?? "127.0.0.1",
    port,
    secure: false,
    ignoreTLS: !options.starttls,
    requireTLS: options.starttls === true,
    tls: { rejectUnauthorized: false },
    ...(options.auth ? { auth: options.auth } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: message.from, to: message.to },
      raw: message.raw,
    });
    return { ok: true, code: 250, response: String(info.response) };
  } catch (caught) {
    const error = caught as { responseCode?: number; response?: string; message: string; code?: string };
    return {
      ok: false,
      code: error.responseCode ?? null,
      response: error.response ?? error.message,
      ...(error.code ? { errorCode: error.code } : {}),
    };
  } finally {
    transport.close();
  }
}

export interface SinkMessage {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface SinkOptions {
  /** Reply to a RCPT: undefined = accept, else a code and text. */
  rcpt?: (address: string) => { code: number; text: string } | undefined;
  /** Reply to DATA: undefined = accept (recorded), else a code and text (not recorded). */
  data?: (message: SinkMessage) => { code: number; text: string } | undefined;
  /** Hold the DATA reply this long (a slow relay). */
  delayMs?: number;
}

/** A loopback SMTP server standing in for the relay; it records every message it answered 250. */
export async function startSink(options: SinkOptions = {}) {
  const received: SinkMessage[] = [];
  /** Messages whose data arrived, answered yet or not (a slow relay holds the reply). */
  const arriving: SinkMessage[] = [];
  const reply = (r: { code: number; text: string }) =>
    Object.assign(new Error(r.text), { responseCode: r.code });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    disableReverseLookup: true,
    size: 256 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const r = options.rcpt?.(address.address);
      callback(r ? reply(r) : undefined);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const message: SinkMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        };
        arriving.push(message);
        const finish = () => {
          const r = options.data?.(message);
          if (r) return callback(reply(r));
          received.push(message);
          callback();
        };
        if (options.delayMs) setTimeout(finish, options.delayMs);
        else finish();
      });
    },
  });
  // A client (the worker) killed mid-connection resets the socket: expected here, not a failure.
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    arriving,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A small RFC 5322 message with CRLF line ends. */
export function mail(headers: Record<string, string>, body = "Hello.\r\n"): Buffer {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

/** Every stored message of an account: mailbox, listing fields and raw bytes. */
export async function storedMessages(store: Store, accountId: string) {
  const out: Array<{
    mailbox: string;
    subject: string;
    security: string;
    cipher: string | null;
    raw: Buffer;
  }> = [];
  for (const box of await store.mailboxes.list(accountId)) {
    for (let cursor: string | undefined; ; ) {
      const page = await store.listMessages(accountId, box.id, { limit: 500, ...(cursor ? { cursor } : {}) });
      for (const m of page.messages)
        out.push({
          mailbox: box.name,
          subject: m.subject,
          security: m.security,
          cipher: m.cipher,
          raw: Buffer.from(await store.messages.raw(accountId, m.id)),
        });
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
  }
  return out;
}
