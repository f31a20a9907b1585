import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlite } from "../test/backends.js";
import { mail, openTestStore, smtpSend, startSink, storedMessages, waitFor } from "../test/harness.js";
import { freePort } from "../test/postgres-cluster.js";
import { dialog } from "../test/smtp-dialog.js";
import { startWorkerProcess, WORKER_BIN } from "../test/worker-process.js";

describe("bin/sealbox-worker", () => {
  it("starts, logs, and exits within 10 s of SIGTERM", async () => {
    const home = mkdtempSync(join(tmpdir(), "sealbox-worker-"));
    const child = spawn(WORKER_BIN, [], {
      cwd: tmpdir(),
      env: {
        ...process.env,
        SEALBOX_HOME: home,
        SEALBOX_STORE: "",
        SEALBOX_SMTP_PORT: String(await freePort()),
      },
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const started = Date.now();
    while (!out.includes("worker started")) {
      if (child.exitCode !== null) throw new Error(`worker exited early: ${out}`);
      if (Date.now() - started > 30_000) throw new Error(`worker did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const line = JSON.parse(out.split("\n").find((l) => l.includes("worker started")) ?? "{}");
    // On SQLite the delivery thread is on unless SEALBOX_SMTP_DELIVERY_THREAD=0.
    expect(line).toMatchObject({ msg: "worker started", store: "sqlite", deliveryThread: true });
    const stopAt = Date.now();
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    expect(code).toBe(0);
    expect(out).toContain("worker stopped");
  });

  it("refuses a bad setting with a message, not a stack trace", async () => {
    const child = spawn(WORKER_BIN, [], {
      cwd: tmpdir(),
      env: { ...process.env, SEALBOX_RELAY_TLS: "sometimes" },
    });
    let err = "";
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(1);
    expect(err.trim()).toBe(
      'sealbox-worker: SEALBOX_RELAY_TLS must be off, starttls or tls (got "sometimes")',
    );
  });
});

describe("a running worker process", () => {
  let store: Store;
  let target: Awaited<ReturnType<typeof sqlite.fresh>>;
  let carolId: string;

  beforeAll(async () => {
    target = await sqlite.fresh();
    store = await openTestStore(target);
    await store.domains.add("local.test");
    carolId = (await store.accounts.add("carol@local.test", { password: "carol-login-Pw-123" })).account.id;
  });
  afterAll(async () => {
    await store.close();
    await target.cleanup();
  });

  const env = async (extra: Record<string, string> = {}) => ({
    SEALBOX_HOME: target.base,
    SEALBOX_STORE: target.url,
    SEALBOX_SMTP_PORT: String(await freePort()),
    ...extra,
  });

  it("on SIGTERM finishes the message in DATA (250), answers 421 after it, and exits within 10 s", async () => {
    const e = await env();
    const worker = await startWorkerProcess(e);
    const d = await dialog(Number(e.SEALBOX_SMTP_PORT));
    await d.command("EHLO client.example");
    await d.command("MAIL FROM:<x@remote.example>");
    expect(await d.command("RCPT TO:<carol@local.test>")).toMatch(/^250/);
    expect(await d.command("DATA")).toMatch(/^354/);
    d.write("Subject: in flight at SIGTERM\r\n\r\nfirst half\r\n");
    const stopAt = Date.now();
    worker.kill("SIGTERM");
    await worker.waitFor("worker stopping");
    d.write("second half\r\n.\r\n");
    expect(await d.reply()).toMatch(/^250/);
    expect(await d.command("MAIL FROM:<x@remote.example>")).toMatch(/^421/);
    d.close();
    expect(await worker.exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    const stored = (await storedMessages(store, carolId)).filter((m) => m.subject === "in flight at SIGTERM");
    expect(stored).toHaveLength(1);
    expect(stored[0]?.raw.toString()).toContain("first half\r\nsecond half\r\n");
    // Nothing listens any more.
    const late = await smtpSend(Number(e.SEALBOX_SMTP_PORT), {
      from: "x@remote.example",
      to: ["carol@local.test"],
      raw: mail({ Subject: "late" }),
    });
    expect(late.ok).toBe(false);
  });

  it("on SIGTERM completes a relay hand-off that finishes in time, and releases one that does not", async () => {
    const quick = await startSink({ delayMs: 1_500 });
    const slow = await startSink({ delayMs: 20_000 });
    try {
      for (const [sink, expected] of [
        [quick, "done"],
        [slow, "queued"],
      ] as const) {
        const job = await store.queueOutgoing({
          envelopeFrom: "carol@local.test",
          recipients: [`r-${expected}@remote.example`],
          raw: mail({ Subject: "slow relay" }),
        });
        const worker = await startWorkerProcess(
          await env({
            SEALBOX_RELAY_HOST: "127.0.0.1",
            SEALBOX_RELAY_PORT: String(sink.port),
            SEALBOX_RELAY_TLS: "off",
            SEALBOX_RELAY_LEASE_MS: "2000",
            SEALBOX_RELAY_POLL_MS: "50",
          }),
        );
        await waitFor(
          () => sink.arriving.length > 0 || undefined,
          15_000,
          "the relay to receive the message",
        );
        // The relay holds its reply to DATA: the job is in hand now.
        expect((await store.jobs.get(job.id))?.state).toBe("leased");
        const stopAt = Date.now();
        worker.kill("SIGTERM");
        expect(await worker.exited).toBe(0);
        expect(Date.now() - stopAt).toBeLessThan(10_000);
        const after = await store.jobs.get(job.id);
        expect(after?.state).toBe(expected);
        // Released, not failed: back in the queue with the attempt returned and no lease.
        if (expected === "queued")
          expect(after).toMatchObject({ attempts: 0, leasedBy: null, lastError: null });
      }
    } finally {
      await Promise.all([quick.close(), slow.close()]);
    }
  });

  it("logs no message contents and no passwords", async () => {
    const e = await env({ SEALBOX_SMTP_ALLOW_LOOPBACK_AUTH: "1", SEALBOX_LOG_LEVEL: "debug" });
    const worker = await startWorkerProcess(e);
    const port = Number(e.SEALBOX_SMTP_PORT);
    const marker = `MARKER-${Date.now()}-contents`;
    const subject = `Subject-marker-${Date.now()}`;
    const sent = await smtpSend(
      port,
      {
        from: "carol@local.test",
        to: ["carol@local.test"],
        raw: mail({ Subject: subject, From: "carol@local.test" }, `${marker}\r\n`),
      },
      { auth: { user: "carol@local.test", pass: "carol-login-Pw-123" } },
    );
    expect(sent.ok).toBe(true);
    const refused = await smtpSend(
      port,
      { from: "carol@local.test", to: ["carol@local.test"], raw: mail({ Subject: "x" }) },
      { auth: { user: "carol@local.test", pass: "Wrong-Secret-Pw-987" } },
    );
    expect(refused.code).toBe(535);
    worker.kill("SIGTERM");
    await worker.exited;
    const logs = worker.output();
    // The logs did record both events…
    expect(logs).toContain("smtp message accepted");
    expect(logs.split("\n").some((l) => l.includes('"msg":"smtp auth"') && l.includes('"ok":false'))).toBe(
      true,
    );
    // …but none of the message, nor either password (nor their base64 AUTH PLAIN form).
    for (const secret of [
      marker,
      subject,
      "carol-login-Pw-123",
      "Wrong-Secret-Pw-987",
      Buffer.from("\0carol@local.test\0carol-login-Pw-123").toString("base64"),
    ])
      expect(logs).not.toContain(secret);
  });
});
