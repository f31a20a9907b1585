import { smtpSend } from "./harness.js";

/** What a real MTA does with a message: try until the server says 250, counting the tries that did not. */
export interface Delivery {
  index: number;
  /** Attempts that ended without a 250 (refused connection, reset, 4xx): after any of them the message may or may not be stored. */
  failedAttempts: number;
}

/**
 * Sends `count` messages with `concurrency` parallel clients, each retrying its message until
 * it gets 250 (after 50–250 ms, as if from a retry queue). `target(i)` picks the port per
 * attempt (several workers), `build(i)` the envelope and bytes.
 */
export async function sendAllRetrying(
  count: number,
  concurrency: number,
  target: (index: number, attempt: number) => number,
  build: (index: number) => { from: string; to: string[]; raw: Buffer },
  deadline: number,
): Promise<Delivery[]> {
  const results: Delivery[] = [];
  let next = 0;
  const client = async () => {
    for (;;) {
      const index = next++;
      if (index >= count) return;
      const message = build(index);
      let failedAttempts = 0;
      for (let attempt = 0; ; attempt++) {
        const sent = await smtpSend(target(index, attempt), message);
        if (sent.ok) break;
        // A 5xx would be a bug here (every recipient exists): fail loudly instead of looping.
        if (sent.code !== null && sent.code >= 500)
          throw new Error(`message ${index} refused for good: ${sent.code} ${sent.response}`);
        failedAttempts++;
        if (Date.now() > deadline) throw new Error(`message ${index} still not accepted at the deadline`);
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
      }
      results.push({ index, failedAttempts });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => client()));
  return results.sort((a, b) => a.index - b.index);
}
