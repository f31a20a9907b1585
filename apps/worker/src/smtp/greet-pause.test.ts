import { connect } from "node:net";
import type { Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlite } from "../../test/backends.js";
import { captureLogger, openTestStore } from "../../test/harness.js";
import { readWorkerEnv } from "../env.js";
import { type SmtpListener, startSmtpListener } from "./smtp-listener.js";

interface Exchange {
  /** Milliseconds from the TCP connect to the first reply line. */
  firstReplyMs: number;
  /** Everything the server sent until it closed or `waitMs` passed. */
  received: string;
  closedByServer: boolean;
}

/**
 * Connects, optionally sends `early` right after the TCP connect (before any greeting), and
 * records what comes back and when: a raw socket, because a polite client waits for the 220.
 */
function exchange(port: number, early: string | undefined, waitMs: number): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let connectedAt = 0;
    let firstReplyMs = -1;
    let received = "";
    let closedByServer = false;
    const finish = () => {
      socket.destroy();
      resolve({ firstReplyMs, received, closedByServer });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on("connect", () => {
      connectedAt = performance.now();
      if (early !== undefined) socket.write(early);
    });
    socket.on("data", (chunk: Buffer) => {
      if (firstReplyMs < 0) firstReplyMs = performance.now() - connectedAt;
      received += chunk.toString("latin1");
      if (early === undefined && /^220 /m.test(received)) {
        clearTimeout(timer);
        finish();
      }
    });
    socket.on("end", () => {
      closedByServer = true;
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ firstReplyMs, received, closedByServer });
    });
    socket.on("error", reject);
  });
}

describe("SMTP greeting pause (SEALBOX_SMTP_GREET_PAUSE_MS)", () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const listeners: SmtpListener[] = [];

  const listen = async (greetPauseMs: number | undefined) => {
    const listener = await startSmtpListener({
      store,
      log: captureLogger().log,
      host: "127.0.0.1",
      port: 0,
      name: "mx.sealbox.test",
      maxBytes: 1024 * 1024,
      allowLoopbackAuth: false,
      ...(greetPauseMs === undefined ? {} : { greetPauseMs }),
    });
    listeners.push(listener);
    return listener;
  };

  beforeAll(async () => {
    const target = await sqlite.fresh();
    store = await openTestStore(target);
    cleanup = async () => {
      await Promise.all(listeners.map((l) => l.close(500)));
      await store.close();
      await target.cleanup();
    };
  });
  afterAll(() => cleanup());

  it("reads SEALBOX_SMTP_DELIVERY_THREAD: unset decides by engine, 1 and 0 force it, anything else is refused", () => {
    expect(readWorkerEnv({}).smtpDeliveryThread).toBeUndefined();
    expect(readWorkerEnv({ SEALBOX_SMTP_DELIVERY_THREAD: "1" }).smtpDeliveryThread).toBe(true);
    expect(readWorkerEnv({ SEALBOX_SMTP_DELIVERY_THREAD: "0" }).smtpDeliveryThread).toBe(false);
    expect(() => readWorkerEnv({ SEALBOX_SMTP_DELIVERY_THREAD: "maybe" })).toThrow(
      /SEALBOX_SMTP_DELIVERY_THREAD/,
    );
  });

  it("reads the pause from SEALBOX_SMTP_GREET_PAUSE_MS, 0 by default like Postfix's smtpd", () => {
    expect(readWorkerEnv({}).smtpGreetPauseMs).toBe(0);
    expect(readWorkerEnv({ SEALBOX_SMTP_GREET_PAUSE_MS: "300" }).smtpGreetPauseMs).toBe(300);
    expect(() => readWorkerEnv({ SEALBOX_SMTP_GREET_PAUSE_MS: "-1" })).toThrow(
      /SEALBOX_SMTP_GREET_PAUSE_MS must be a whole number from 0 to 60000/,
    );
  });

  it("greets at once by default (smtp-server alone waits 100 ms on every connection)", async () => {
    const listener = await listen(undefined);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await exchange(listener.port, undefined, 2_000);
      expect(r.received).toMatch(/^220 mx\.sealbox\.test/);
      times.push(r.firstReplyMs);
    }
    // The fastest of five: one slow connect on a busy machine does not decide it.
    expect(Math.min(...times)).toBeLessThan(50);
  });

  it("with no pause, a client that talks first is served, not refused", async () => {
    const listener = await listen(0);
    const r = await exchange(listener.port, "EHLO early.test\r\n", 1_000);
    expect(r.received).toMatch(/^220 mx\.sealbox\.test/);
    expect(r.received).toMatch(/\r\n250[- ]/);
    expect(r.received).not.toMatch(/You talk too soon/);
  });

  it("with a pause, greets no sooner than the pause", async () => {
    const listener = await listen(300);
    const r = await exchange(listener.port, undefined, 3_000);
    expect(r.received).toMatch(/^220 mx\.sealbox\.test/);
    expect(r.firstReplyMs).toBeGreaterThanOrEqual(299);
  });

  it("with a pause, refuses a client that talks before the greeting (421) and closes", async () => {
    const listener = await listen(300);
    const r = await exchange(listener.port, "EHLO early.test\r\n", 3_000);
    expect(r.received).toMatch(/^421 mx\.sealbox\.test You talk too soon/);
    expect(r.received).not.toMatch(/^220/m);
    expect(r.firstReplyMs).toBeLessThan(299);
    expect(r.closedByServer).toBe(true);
  });
});
