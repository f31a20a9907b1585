import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeOutgoing, LOGIN_LIMITS, type Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlite } from "../../test/backends.js";
import {
  captureLogger,
  mail,
  openTestStore,
  smtpSend,
  storedMessages,
  testConfig,
} from "../../test/harness.js";
import { dialog } from "../../test/smtp-dialog.js";
import { type RunningWorker, startWorker } from "../worker.js";
import { disabledCommands, isLoopback } from "./auth-policy.js";
import { MAX_AUTH_FAILURES_PER_CONNECTION } from "./smtp-listener.js";

describe("the AUTH policy", () => {
  it("knows loopback addresses, IPv4-mapped included", () => {
    for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) expect(isLoopback(a)).toBe(true);
    for (const a of ["10.0.0.1", "192.168.1.5", "::ffff:10.0.0.1", "fe80::1", "128.0.0.1", ""])
      expect(isLoopback(a)).toBe(false);
  });

  it("offers AUTH only over TLS, or on loopback when allowed", () => {
    const none = { tls: false, allowLoopbackAuth: false };
    const loop = { tls: false, allowLoopbackAuth: true };
    const tls = { tls: true, allowLoopbackAuth: false };
    expect(disabledCommands(none, { secure: false, remoteAddress: "127.0.0.1" })).toEqual([
      "STARTTLS",
      "AUTH",
    ]);
    expect(disabledCommands(loop, { secure: false, remoteAddress: "127.0.0.1" })).toEqual(["STARTTLS"]);
    expect(disabledCommands(loop, { secure: false, remoteAddress: "10.1.1.1" })).toEqual([
      "STARTTLS",
      "AUTH",
    ]);
    expect(disabledCommands(tls, { secure: false, remoteAddress: "127.0.0.1" })).toEqual(["AUTH"]);
    expect(disabledCommands(tls, { secure: true, remoteAddress: "10.1.1.1" })).toEqual([]);
  });
});

/** A non-loopback IPv4 address of this machine, if it has one (containers usually do). */
describe("authenticated submission", () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let loopback: RunningWorker;
  let tlsWorker: RunningWorker;
  let aliceId: string;
  const certDir = mkdtempSync(join(tmpdir(), "sealbox-smtp-tls-"));

  beforeAll(async () => {
    const target = await sqlite.fresh();
    store = await openTestStore(target);
    await store.domains.add("local.test");
    aliceId = (await store.accounts.add("alice@local.test", { password: "alice-password" })).account.id;
    await store.accounts.add("bob@local.test", { password: "bob-password" });
    await store.accounts.set("alice@local.test", { fromAddress: "alice.smith@local.test" });
    // A self-signed server certificate made by OpenSSL.
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        join(certDir, "key.pem"),
        "-out",
        join(certDir, "cert.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=mx.sealbox.test",
      ],
      { stdio: "pipe" },
    );
    loopback = await startWorker(store, testConfig({ smtpAllowLoopbackAuth: true }), captureLogger().log);
    tlsWorker = await startWorker(
      store,
      testConfig({
        smtpTlsCert: join(certDir, "cert.pem"),
        smtpTlsKey: join(certDir, "key.pem"),
      }),
      captureLogger().log,
    );
    cleanup = async () => {
      await Promise.all([loopback.stop(1_000), tlsWorker.stop(1_000)]);
      await store.close();
      await target.cleanup();
      rmSync(certDir, { recursive: true, force: true });
    };
  });
  afterAll(() => cleanup());

  it("on loopback (when allowed): AUTH is offered, and a submission to local and remote recipients is stored and queued in one go", async () => {
    const d = await dialog(loopback.smtpPort);
    expect(await d.command("EHLO client.example")).toMatch(/250[ -]AUTH PLAIN LOGIN/);
    d.close();
    const raw = mail(
      { From: "Alice <alice@local.test>", Subject: "mixed", To: "bob@local.test" },
      "out body\r\n",
    );
    const sent = await smtpSend(
      loopback.smtpPort,
      { from: "alice@local.test", to: ["bob@local.test", "r1@remote.example", "r2@remote.example"], raw },
      { auth: { user: "alice@local.test", pass: "alice-password" } },
    );
    expect(sent).toMatchObject({ ok: true, code: 250 });
    const bob = await store.accounts.require("bob@local.test");
    const local = (await storedMessages(store, bob.id)).filter((m) => m.subject === "mixed");
    expect(local).toHaveLength(1);
    const job = await store.jobs.claim("inspector", 1_000);
    expect(job).not.toBeNull();
    const out = decodeOutgoing(job?.payload ?? new Uint8Array());
    expect(out).toMatchObject({
      envelopeFrom: "alice@local.test",
      recipients: ["r1@remote.example", "r2@remote.example"],
      accountId: aliceId,
    });
    // The queued bytes are the stored bytes: the same Received: header, then the client's message.
    expect(Buffer.from(out.raw).equals(local[0]?.raw as Buffer)).toBe(true);
    if (job) await store.jobs.complete(job);
  });

  it("accepts the From address setting as sender, refuses anyone else's (553) and a wrong password (535)", async () => {
    const auth = { user: "alice@local.test", pass: "alice-password" };
    const own = await smtpSend(
      loopback.smtpPort,
      {
        from: "alice.smith@local.test",
        to: ["bob@local.test"],
        raw: mail({ From: "Alice Smith <alice.smith@local.test>", Subject: "from setting" }),
      },
      { auth },
    );
    expect(own.ok).toBe(true);
    const other = await smtpSend(
      loopback.smtpPort,
      {
        from: "bob@local.test",
        to: ["r@remote.example"],
        raw: mail({ From: "bob@local.test", Subject: "spoof" }),
      },
      { auth },
    );
    expect(other).toMatchObject({ ok: false, code: 553 });
    const wrong = await smtpSend(
      loopback.smtpPort,
      { from: "alice@local.test", to: ["r@remote.example"], raw: mail({ Subject: "x" }) },
      { auth: { user: "alice@local.test", pass: "not-her-password" } },
    );
    expect(wrong).toMatchObject({ ok: false, code: 535 });
    expect((await store.jobs.stats()).queued).toBe(0);
  });

  it("with a certificate: STARTTLS is offered, AUTH only after it, and submission works over it", async () => {
    const d = await dialog(tlsWorker.smtpPort);
    const before = await d.command("EHLO client.example");
    expect(before).toMatch(/STARTTLS/);
    expect(before).not.toMatch(/AUTH/);
    expect(await d.command("AUTH PLAIN AGFsaWNlQGxvY2FsLnRlc3QAYWxpY2UtcGFzc3dvcmQ=")).toMatch(/^5\d\d/);
    await d.starttls();
    const after = await d.command("EHLO client.example");
    expect(after).toMatch(/250[ -]AUTH PLAIN LOGIN/);
    expect(await d.command("AUTH PLAIN AGFsaWNlQGxvY2FsLnRlc3QAYWxpY2UtcGFzc3dvcmQ=")).toMatch(/^235/);
    d.close();
    const sent = await smtpSend(
      tlsWorker.smtpPort,
      {
        from: "alice@local.test",
        to: ["r3@remote.example"],
        raw: mail({ From: "alice@local.test", Subject: "over tls" }),
      },
      { auth: { user: "alice@local.test", pass: "alice-password" }, starttls: true },
    );
    expect(sent).toMatchObject({ ok: true, code: 250 });
    const job = await store.jobs.claim("inspector", 1_000);
    expect(decodeOutgoing(job?.payload ?? new Uint8Array()).recipients).toEqual(["r3@remote.example"]);
    if (job) await store.jobs.complete(job);
  });

  it("refuses a header From that is not one of the sender's addresses (550), storing and queuing nothing", async () => {
    const auth = { user: "alice@local.test", pass: "alice-password" };
    const bob = await store.accounts.require("bob@local.test");
    const before = (await storedMessages(store, bob.id)).length;
    const send = (headers: Record<string, string>) =>
      smtpSend(
        loopback.smtpPort,
        { from: "alice@local.test", to: ["bob@local.test", "r@remote.example"], raw: mail(headers) },
        { auth },
      );
    for (const from of [
      "bob@local.test",
      "Bob <bob@local.test>",
      '"alice@local.test"', // a display name only: no address at all
      "alice@local.test, bob@local.test",
      "alice@local.test.example",
    ]) {
      const sent = await send({ From: from, Subject: "header spoof" });
      expect(sent, from).toMatchObject({ ok: false, code: 550 });
      expect(sent.response).toMatch(/5\.7\.1 The From: header must name one of your addresses/);
    }
    expect(await send({ Subject: "no from at all" })).toMatchObject({ ok: false, code: 550 });
    expect(await storedMessages(store, bob.id)).toHaveLength(before);
    expect((await store.jobs.stats()).queued).toBe(0);
    // Her own addresses, in any case, and her From address setting pass.
    for (const from of ["Alice <ALICE@Local.Test>", "alice.smith@local.test"]) {
      expect(await send({ From: from, Subject: "own from" }), from).toMatchObject({ ok: true });
      const job = await store.jobs.claim("inspector", 1_000);
      if (job) await store.jobs.complete(job);
    }
  });

  // Traffic stays on loopback: the listener is told that 127.0.0.1 is not a loopback peer,
  // which is exactly what a client connecting from the network looks like to it.
  it("never offers AUTH on a plain connection from a non-loopback address", async () => {
    const open = await startWorker(store, testConfig({ smtpAllowLoopbackAuth: true }), captureLogger().log, {
      isLoopback: () => false,
    });
    try {
      const d = await dialog(open.smtpPort);
      const ehlo = await d.command("EHLO client.example");
      expect(ehlo).not.toMatch(/AUTH/);
      expect(await d.command("AUTH PLAIN AGFsaWNlQGxvY2FsLnRlc3QAYWxpY2UtcGFzc3dvcmQ=")).toMatch(/^5\d\d/);
      // Without AUTH a local sender is refused, and a remote recipient is no relay.
      expect(await d.command("MAIL FROM:<alice@local.test>")).toMatch(/^553 5\.7\.1/);
      expect(await d.command("MAIL FROM:<x@remote.example>")).toMatch(/^250/);
      expect(await d.command("RCPT TO:<r@remote.example>")).toMatch(/^550 5\.7\.1/);
      d.close();
    } finally {
      await open.stop(1_000);
    }
  });
});

describe("AUTH guessing", () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let worker: RunningWorker;
  const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString("base64");
  /** A connection from another loopback address (Linux routes 127.0.0.0/8 to lo): another client. */
  const from = async (client: string) => {
    const d = await dialog(worker.smtpPort, "127.0.0.1", client);
    expect(await d.command("EHLO client.example")).toMatch(/AUTH PLAIN/);
    return d;
  };

  beforeAll(async () => {
    const target = await sqlite.fresh();
    // The guard's clock stands still, so a delay it imposes cannot run out while a slow
    // password hash is being checked.
    const frozen = Date.now();
    store = await openTestStore(target, { now: () => frozen });
    await store.domains.add("local.test");
    await store.accounts.add("erin@local.test", { password: "erin-password" });
    // An account with a real password-hash cost (hashes carry their own parameters), to see
    // that an attempt the guard refuses does not pay it.
    const heavy = await openTestStore(target, { passwordHashing: { logN: 16, r: 8, p: 1 } });
    await heavy.accounts.add("frank@local.test", { password: "frank-password" });
    await heavy.close();
    worker = await startWorker(store, testConfig({ smtpAllowLoopbackAuth: true }), captureLogger().log);
    cleanup = async () => {
      await worker.stop(1_000);
      await store.close();
      await target.cleanup();
    };
  }, 60_000);
  afterAll(() => cleanup());

  it(`closes the connection after ${MAX_AUTH_FAILURES_PER_CONNECTION} failed attempts (421); fewer leave it open`, async () => {
    expect(MAX_AUTH_FAILURES_PER_CONNECTION).toBe(3);
    const d = await from("127.0.0.21");
    expect(await d.command(`AUTH PLAIN ${plain("guess1@local.test", "x")}`)).toMatch(/^535 /);
    expect(await d.command(`AUTH PLAIN ${plain("guess2@local.test", "x")}`)).toMatch(/^535 /);
    expect(await d.command(`AUTH PLAIN ${plain("guess3@local.test", "x")}`)).toMatch(
      /^421 4\.7\.0 Too many failed authentication attempts/,
    );
    await d.closed;
    const e = await from("127.0.0.22");
    expect(await e.command(`AUTH PLAIN ${plain("erin@local.test", "wrong")}`)).toMatch(/^535 /);
    expect(await e.command(`AUTH PLAIN ${plain("erin@local.test", "wrong again")}`)).toMatch(/^535 /);
    expect(await e.command(`AUTH PLAIN ${plain("erin@local.test", "erin-password")}`)).toMatch(/^235 /);
    e.close();
  });

  it("goes through the store's login guard per client address, across connections and accounts", async () => {
    const client = "127.0.0.23";
    let n = 0;
    while (n < LOGIN_LIMITS.clientFreeFailures) {
      const d = await from(client);
      for (let i = 0; i < MAX_AUTH_FAILURES_PER_CONNECTION && n < LOGIN_LIMITS.clientFreeFailures; i++, n++)
        expect(await d.command(`AUTH PLAIN ${plain(`spray${n}@local.test`, "guess")}`)).toMatch(
          /^(535|421) /,
        );
      d.close();
    }
    // That client now waits, even with the right password of an account it never tried.
    const d = await from(client);
    expect(await d.command(`AUTH PLAIN ${plain("erin@local.test", "erin-password")}`)).toMatch(
      /^454 4\.7\.0 too many failed logins; try again in \d+ seconds?/,
    );
    d.close();
    // Another client does not.
    const other = await from("127.0.0.24");
    expect(await other.command(`AUTH PLAIN ${plain("erin@local.test", "erin-password")}`)).toMatch(/^235 /);
    other.close();
  });

  it("per account, from any address; an attempt the guard refuses costs no password hash", async () => {
    const timed = async (client: string, pass: string) => {
      const d = await from(client);
      const started = performance.now();
      const reply = await d.command(`AUTH PLAIN ${plain("frank@local.test", pass)}`);
      const ms = performance.now() - started;
      d.close();
      return { reply, ms };
    };
    const checked: number[] = [];
    for (let i = 0; i < LOGIN_LIMITS.accountFreeFailures; i++) {
      const { reply, ms } = await timed(`127.0.0.${31 + i}`, "wrong");
      expect(reply).toMatch(/^535 /);
      checked.push(ms);
    }
    const refused: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { reply, ms } = await timed(`127.0.0.${41 + i}`, "frank-password");
      expect(reply).toMatch(/^454 4\.7\.0 too many failed logins/);
      refused.push(ms);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    expect(median(refused)).toBeLessThan(median(checked) / 4);
  });
});
