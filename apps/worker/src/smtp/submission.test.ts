import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeOutgoing, type Store } from "@sealbox/store";
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
      { from: "alice.smith@local.test", to: ["bob@local.test"], raw: mail({ Subject: "from setting" }) },
      { auth },
    );
    expect(own.ok).toBe(true);
    const other = await smtpSend(
      loopback.smtpPort,
      { from: "bob@local.test", to: ["r@remote.example"], raw: mail({ Subject: "spoof" }) },
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
      { from: "alice@local.test", to: ["r3@remote.example"], raw: mail({ Subject: "over tls" }) },
      { auth: { user: "alice@local.test", pass: "alice-password" }, starttls: true },
    );
    expect(sent).toMatchObject({ ok: true, code: 250 });
    const job = await store.jobs.claim("inspector", 1_000);
    expect(decodeOutgoing(job?.payload ?? new Uint8Array()).recipients).toEqual(["r3@remote.example"]);
    if (job) await store.jobs.complete(job);
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
      await d.command("MAIL FROM:<alice@local.test>");
      expect(await d.command("RCPT TO:<r@remote.example>")).toMatch(/^550 5\.7\.1/);
      d.close();
    } finally {
      await open.stop(1_000);
    }
  });
});
