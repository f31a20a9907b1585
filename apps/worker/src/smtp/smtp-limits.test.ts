import { clientKey, type Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlite } from "../../test/backends.js";
import { captureLogger, mail, openTestStore, storedMessages } from "../../test/harness.js";
import { type Dialog, dialog } from "../../test/smtp-dialog.js";
import { readWorkerEnv, SMTP_LIMIT_DEFAULTS } from "../env.js";
import { type SmtpLimits, type SmtpListener, startSmtpListener } from "./smtp-listener.js";

/** Resolves with how long the server took to close the connection, or rejects after `ms`. */
async function closedWithin(d: Dialog, ms: number): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    d.closed,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    }),
  ]);
  clearTimeout(timer);
  return Date.now() - started;
}

describe("SMTP connection limits and timeouts", () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let carolId: string;
  const listeners: SmtpListener[] = [];
  const open: Dialog[] = [];

  const listen = async (limits: Partial<SmtpLimits>) => {
    const listener = await startSmtpListener({
      store,
      log: captureLogger().log,
      host: "127.0.0.1",
      port: 0,
      name: "mx.sealbox.test",
      maxBytes: 1024 * 1024,
      allowLoopbackAuth: false,
      limits,
    });
    listeners.push(listener);
    return listener;
  };
  /** Linux routes all of 127.0.0.0/8 to lo: other loopback addresses are other clients. */
  const connect = async (port: number, from = "127.0.0.1") => {
    const d = await dialog(port, "127.0.0.1", from);
    open.push(d);
    return d;
  };

  beforeAll(async () => {
    const target = await sqlite.fresh();
    store = await openTestStore(target);
    await store.domains.add("local.test");
    carolId = (await store.accounts.add("carol@local.test", { password: "carol-password" })).account.id;
    cleanup = async () => {
      for (const d of open) d.close();
      await Promise.all(listeners.map((l) => l.close(500)));
      await store.close();
      await target.cleanup();
    };
  });
  afterAll(() => cleanup());

  it("reads its limits from SEALBOX_SMTP_* with Postfix's defaults", () => {
    expect(SMTP_LIMIT_DEFAULTS).toEqual({
      maxClients: 100,
      maxClientsPerAddress: 50,
      commandTimeoutMs: 60_000,
      dataTimeoutMs: 300_000,
    });
    const defaults = readWorkerEnv({});
    expect(defaults).toMatchObject({
      smtpMaxClients: 100,
      smtpMaxClientsPerAddress: 50,
      smtpCommandTimeoutMs: 60_000,
      smtpDataTimeoutMs: 300_000,
    });
    const set = readWorkerEnv({
      SEALBOX_SMTP_MAX_CLIENTS: "7",
      SEALBOX_SMTP_MAX_CLIENTS_PER_ADDRESS: "3",
      SEALBOX_SMTP_COMMAND_TIMEOUT_MS: "5000",
      SEALBOX_SMTP_DATA_TIMEOUT_MS: "9000",
    });
    expect(set).toMatchObject({
      smtpMaxClients: 7,
      smtpMaxClientsPerAddress: 3,
      smtpCommandTimeoutMs: 5000,
      smtpDataTimeoutMs: 9000,
    });
    expect(() => readWorkerEnv({ SEALBOX_SMTP_MAX_CLIENTS: "0" })).toThrow(
      /SEALBOX_SMTP_MAX_CLIENTS must be/,
    );
  });

  it("counts a client by its IPv4 address (also IPv4-mapped) or its IPv6 /64", () => {
    expect(clientKey("192.0.2.7")).toBe("192.0.2.7");
    expect(clientKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:DB8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey("2001:db8:1:3::1")).not.toBe(clientKey("2001:db8:1:2::1"));
  });

  it("refuses a client's connection past the per-address cap (421) while others still get in", async () => {
    const listener = await listen({ maxClientsPerAddress: 2 });
    const a1 = await connect(listener.port);
    const a2 = await connect(listener.port);
    expect(a1.greeting).toMatch(/^220/);
    expect(a2.greeting).toMatch(/^220/);
    const a3 = await connect(listener.port);
    expect(a3.greeting).toMatch(/^421 4\.7\.0 Too many connections from your address/);
    await closedWithin(a3, 2_000);
    // Another address is another client.
    const b1 = await connect(listener.port, "127.0.0.2");
    expect(b1.greeting).toMatch(/^220/);
    // A closed connection gives its slot back.
    expect(await a1.command("QUIT")).toMatch(/^221/);
    await closedWithin(a1, 2_000);
    await new Promise((r) => setTimeout(r, 50));
    const a4 = await connect(listener.port);
    expect(a4.greeting).toMatch(/^220/);
    expect(await a2.command("NOOP")).toMatch(/^250/);
  });

  it("refuses any connection past the listener's cap (421)", async () => {
    const listener = await listen({ maxClients: 3 });
    const first = [
      await connect(listener.port, "127.0.0.11"),
      await connect(listener.port, "127.0.0.12"),
      await connect(listener.port, "127.0.0.13"),
    ];
    for (const d of first) expect(d.greeting).toMatch(/^220/);
    const fourth = await connect(listener.port, "127.0.0.14");
    expect(fourth.greeting).toMatch(/^421 .*Too many connected clients/);
    await closedWithin(fourth, 2_000);
  });

  it("drops a client idle before DATA after the command timeout, but gives the data the longer one", async () => {
    const listener = await listen({ commandTimeoutMs: 1_000, dataTimeoutMs: 4_000 });
    const idle = await connect(listener.port);
    expect(await idle.command("EHLO client.example")).toMatch(/^250/);
    const waited = await closedWithin(idle, 5_000);
    expect(waited).toBeGreaterThanOrEqual(800);
    expect(waited).toBeLessThan(3_000);

    const slow = await connect(listener.port);
    await slow.command("EHLO client.example");
    expect(await slow.command("MAIL FROM:<x@remote.example>")).toMatch(/^250/);
    expect(await slow.command("RCPT TO:<carol@local.test>")).toMatch(/^250/);
    expect(await slow.command("DATA")).toMatch(/^354/);
    slow.write("Subject: slow sender\r\n");
    // Longer than the command timeout, shorter than the data timeout.
    await new Promise((r) => setTimeout(r, 2_000));
    slow.write("\r\nbody\r\n");
    await new Promise((r) => setTimeout(r, 1_500));
    slow.write(".\r\n");
    expect(await slow.reply()).toMatch(/^250/);
    // After the message the short timeout is back.
    const after = await closedWithin(slow, 5_000);
    expect(after).toBeLessThan(3_000);
    const subjects = (await storedMessages(store, carolId)).map((m) => m.subject);
    expect(subjects).toContain("slow sender");
  }, 20_000);

  it("drops a client that stalls in DATA past the data timeout without storing anything", async () => {
    const listener = await listen({ commandTimeoutMs: 1_000, dataTimeoutMs: 2_000 });
    const d = await connect(listener.port);
    await d.command("EHLO client.example");
    await d.command("MAIL FROM:<x@remote.example>");
    await d.command("RCPT TO:<carol@local.test>");
    expect(await d.command("DATA")).toMatch(/^354/);
    d.write(mail({ Subject: "never finished" }).subarray(0, 20));
    const waited = await closedWithin(d, 6_000);
    expect(waited).toBeGreaterThanOrEqual(1_500);
    const subjects = (await storedMessages(store, carolId)).map((m) => m.subject);
    expect(subjects).not.toContain("never finished");
  }, 20_000);
});
