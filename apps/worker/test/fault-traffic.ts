import { randomBytes } from "node:crypto";
import type { Store } from "@sealbox/store";
import { smtpSend, storedMessages } from "./harness.js";

/** One SMTP attempt of one message: what was sent, what came back, and when. */
export interface Attempt {
  index: number;
  to: string;
  raw: Buffer;
  messageId: string;
  /** The SMTP reply code (250 = accepted); null when no reply came (refused or dropped connection). */
  code: number | null;
  response: string;
  started: number;
  ended: number;
}

export interface Traffic {
  readonly attempts: Attempt[];
  /** Polls (no fixed sleeps) until `probe` holds over the attempts so far; rejects after `timeoutMs`. */
  until(probe: (attempts: Attempt[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A message of about `bytes` bytes whose body is random base64 lines plus a line of 8-bit
 * UTF-8, so a byte-for-byte comparison catches any truncation, re-encoding or mix-up.
 */
export function faultMessage(index: number, to: string, bytes: number): { raw: Buffer; messageId: string } {
  const messageId = `<fault-${index}-${randomBytes(4).toString("hex")}@remote.example>`;
  const lines: string[] = [];
  const random = randomBytes(Math.ceil((bytes * 3) / 4)).toString("base64");
  for (let at = 0; at < random.length; at += 76) lines.push(random.slice(at, at + 76));
  const raw = Buffer.from(
    [
      `From: sender${index}@remote.example`,
      `To: ${to}`,
      `Subject: fault message ${index}`,
      `Message-ID: ${messageId}`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 8bit",
      "",
      `Grüße aus der Störung ${index} — ✉`,
      ...lines,
      `fault-body-${index}-end`,
      "",
    ].join("\r\n"),
  );
  return { raw, messageId };
}

/**
 * `clients` SMTP clients sending new messages one after another (one attempt each, never
 * retried: every attempt is its own message, so its reply alone says whether it may be lost).
 */
export function startTraffic(options: {
  port: number;
  clients: number;
  recipients: string[];
  bytes: (index: number) => number;
}): Traffic {
  const attempts: Attempt[] = [];
  let running = true;
  let next = 0;
  const client = async () => {
    while (running) {
      const index = next++;
      const to = options.recipients[index % options.recipients.length] as string;
      const { raw, messageId } = faultMessage(index, to, options.bytes(index));
      const started = Date.now();
      const sent = await smtpSend(options.port, { from: `sender${index}@remote.example`, to: [to], raw });
      attempts.push({
        index,
        to,
        raw,
        messageId,
        code: sent.ok ? 250 : sent.code,
        response: sent.response,
        started,
        ended: Date.now(),
      });
      // A short pause between messages, so the clients do not starve the worker on a shared 2-core machine.
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
    }
  };
  const clients = Array.from({ length: options.clients }, () => client());
  return {
    attempts,
    async until(probe, timeoutMs, what) {
      const started = Date.now();
      while (!probe(attempts)) {
        if (Date.now() - started > timeoutMs)
          throw new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; replies so far: ${summary(attempts)}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}

/** "250 ×40, 451 ×12" */
export function summary(attempts: Attempt[]): string {
  const counts = new Map<string, number>();
  for (const a of attempts) counts.set(String(a.code), (counts.get(String(a.code)) ?? 0) + 1);
  return [...counts].map(([code, n]) => `${code} ×${n}`).join(", ");
}

/** Every stored copy, by Message-ID, across the given accounts' mailboxes. */
export async function storedByMessageId(store: Store, accountIds: string[]): Promise<Map<string, Buffer[]>> {
  const byId = new Map<string, Buffer[]>();
  for (const accountId of accountIds)
    for (const m of await storedMessages(store, accountId)) {
      const id = /^Message-ID: (<[^>]+>)/im.exec(m.raw.toString("latin1"))?.[1] ?? "(none)";
      byId.set(id, [...(byId.get(id) ?? []), m.raw]);
    }
  return byId;
}

/**
 * The worker stores exactly what the client sent after one Received: field of its own:
 * anything else (cut short, re-encoded, another message's bytes) is a half-written message.
 */
export function isExactCopy(stored: Buffer, sent: Buffer): boolean {
  if (stored.length <= sent.length) return false;
  const prefix = stored.subarray(0, stored.length - sent.length).toString("latin1");
  return (
    stored.subarray(stored.length - sent.length).equals(sent) &&
    /^Received: [^\r\n]*(\r\n[ \t][^\r\n]*)*\r\n$/.test(prefix)
  );
}
