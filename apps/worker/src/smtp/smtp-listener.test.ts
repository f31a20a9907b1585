import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import {
  captureLogger,
  giveCertificate,
  mail,
  openTestStore,
  smtpSend,
  storedMessages,
  testConfig,
  waitFor,
} from "../../test/harness.js";
import { dialog } from "../../test/smtp-dialog.js";
import { type RunningWorker, startWorker } from "../worker.js";
import { startSmtpListener } from "./smtp-listener.js";

describe.each(backends)("SMTP in on $name", (backend) => {
  let cleanup: () => Promise<void>;
  let store: Store;
  let worker: RunningWorker;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const target = await backend.fresh();
    store = await openTestStore(target);
    await store.domains.add("local.test");
    for (const name of ["alice", "bob", "carol"])
      ids[name] = (
        await store.accounts.add(`${name}@local.test`, { password: `${name}-password` })
      ).account.id;
    await store.rules.add(
      { accountId: ids.bob as string },
      {
        name: "lists",
        conditions: [{ field: "Subject", op: "is", value: "[list]*" }],
        actions: [{ action: "Store in", argument: "Lists" }],
      },
    );
    worker = await startWorker(store, testConfig({ smtpMaxBytes: 20_000 }), captureLogger().log);
    cleanup = async () => {
      await worker.stop(1_000);
      await store.close();
      await target.cleanup();
    };
  });
  afterAll(() => cleanup());

  it("delivers to several local recipients through each one's rules, after a Received: header", async () => {
    const raw = mail(
      { From: "x@remote.example", Subject: "[list] hello", "Message-ID": "<m1@remote>" },
      "Body one\r\n",
    );
    const sent = await smtpSend(worker.smtpPort, {
      from: "x@remote.example",
      to: ["alice@local.test", "BOB@local.test"],
      raw,
    });
    expect(sent).toMatchObject({ ok: true, code: 250 });
    const alice = await storedMessages(store, ids.alice as string);
    const bob = await storedMessages(store, ids.bob as string);
    expect(alice.map((m) => m.mailbox)).toEqual(["INBOX"]);
    expect(bob.map((m) => m.mailbox)).toEqual(["Lists"]);
    for (const m of [...alice, ...bob]) {
      const text = m.raw.toString("latin1");
      expect(text).toMatch(/^Received: from [^\r\n]+\r\n\tby mx\.sealbox\.test \(Sealbox\) with ESMTP id /);
      // The client's bytes follow the trace header unchanged.
      expect(m.raw.subarray(m.raw.length - raw.length).equals(raw)).toBe(true);
    }
  });

  it("refuses unknown local users at RCPT TO with 550 and delivers to the rest", async () => {
    const d = await dialog(worker.smtpPort);
    await d.command("EHLO client.example");
    expect(await d.command("MAIL FROM:<x@remote.example>")).toMatch(/^250/);
    expect(await d.command("RCPT TO:<nobody@local.test>")).toMatch(/^550 5\.1\.1/);
    // A disabled account is no such user either.
    await store.accounts.add("dora@local.test", { password: "dora-password" });
    await store.accounts.set("dora@local.test", { disabled: true });
    expect(await d.command("RCPT TO:<Dora@local.test>")).toMatch(/^550 5\.1\.1/);
    expect(await d.command("RCPT TO:<carol@local.test>")).toMatch(/^250/);
    expect(await d.command("DATA")).toMatch(/^354/);
    d.write("Subject: partial\r\n\r\nhi\r\n.\r\n");
    expect(await d.reply()).toMatch(/^250/);
    await d.command("QUIT");
    d.close();
    expect((await storedMessages(store, ids.carol as string)).map((m) => m.subject)).toContain("partial");
  });

  it("is no open relay: a remote recipient without AUTH is refused (550 5.7.1) and nothing is queued", async () => {
    const before = await store.jobs.stats();
    const sent = await smtpSend(worker.smtpPort, {
      from: "x@remote.example",
      to: ["someone@elsewhere.example"],
      raw: mail({ Subject: "relay?" }),
    });
    expect(sent.ok).toBe(false);
    expect(sent.code).toBe(550);
    expect(sent.response).toMatch(/5\.7\.1 Relay access denied/);
    expect((await store.jobs.stats()).queued).toBe(before.queued);
  });

  it("refuses a local sender without AUTH (553), loopback clients included; the null sender and others pass", async () => {
    const before = (await storedMessages(store, ids.bob as string)).length;
    const d = await dialog(worker.smtpPort);
    await d.command("EHLO client.example");
    // An existing account, another spelling of it, and an address no account has: all local.
    for (const from of [
      "alice@local.test",
      "ALICE@Local.Test",
      "nobody@local.test",
      '"alice"@local.test', // a local part store would not take for an account
    ]) {
      expect(await d.command(`MAIL FROM:<${from}>`)).toMatch(/^553 5\.7\.1 .*needs AUTH/);
      expect(await d.command("RSET")).toMatch(/^250/);
    }
    // A trailing dot is no way around it (smtp-server refuses that syntax before we see it).
    expect(await d.command("MAIL FROM:<alice@local.test.>")).toMatch(/^5\d\d/);
    expect(await d.command("MAIL FROM:<>")).toMatch(/^250/);
    expect(await d.command("RSET")).toMatch(/^250/);
    expect(await d.command("MAIL FROM:<someone@local.test.example>")).toMatch(/^250/);
    d.close();
    const spoof = await smtpSend(worker.smtpPort, {
      from: "alice@local.test",
      to: ["bob@local.test"],
      raw: mail({ From: "alice@local.test", Subject: "from alice, really" }),
    });
    expect(spoof).toMatchObject({ ok: false, code: 553 });
    expect(await storedMessages(store, ids.bob as string)).toHaveLength(before);
  });

  it("refuses a header block over 1,000 fields or 256 KB with 552 and stores nothing (the rules could not run)", async () => {
    await store.rules.add(
      { accountId: ids.carol as string },
      {
        name: "spam",
        conditions: [{ field: "Header Field", op: "is", value: "X-Spam: yes*" }],
        actions: [{ action: "Discard" }],
      },
    );
    const fields = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-P${i}`, "1"]));
    const many = mail({ "X-Spam": "yes", Subject: "field bomb", ...fields(1000) });
    expect(many.length).toBeLessThan(20_000); // under this listener's size limit
    const sent = await smtpSend(worker.smtpPort, {
      from: "x@remote.example",
      to: ["carol@local.test"],
      raw: many,
    });
    expect(sent).toMatchObject({ ok: false, code: 552 });
    expect(sent.response).toMatch(/552 5\.3\.4 .*more than 1000 header fields/);
    // The listener adds a Received: field, so 998 of the client's own pass (and are discarded).
    const fine = mail({ "X-Spam": "yes", Subject: "many but fine", ...fields(996) });
    expect(
      await smtpSend(worker.smtpPort, { from: "x@remote.example", to: ["carol@local.test"], raw: fine }),
    ).toMatchObject({ ok: true });
    const roomy = await startSmtpListener({
      store,
      log: captureLogger().log,
      host: "127.0.0.1",
      port: 0,
      name: "mx.sealbox.test",
      maxBytes: 1024 * 1024,
      allowLoopbackAuth: false,
    });
    try {
      const big = mail({
        "X-Spam": "yes",
        Subject: "byte bomb",
        "X-Pad": `${"y".repeat(900)}\r\n `.repeat(300),
      });
      const refused = await smtpSend(roomy.port, {
        from: "x@remote.example",
        to: ["carol@local.test"],
        raw: big,
      });
      expect(refused).toMatchObject({ ok: false, code: 552 });
      expect(refused.response).toMatch(/header block larger than 262144 bytes/);
    } finally {
      await roomy.close(500);
    }
    expect(await storedMessages(store, ids.carol as string)).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ subject: expect.stringMatching(/bomb|fine/) })]),
    );
    await store.rules.remove({ accountId: ids.carol as string }, "spam");
  });

  it("advertises SIZE and answers an over-size message 552 without storing it", async () => {
    const d = await dialog(worker.smtpPort);
    const ehlo = await d.command("EHLO client.example");
    expect(ehlo).toMatch(/250[ -]SIZE 20000\r?$/m);
    // No AUTH on this listener: no certificate and loopback AUTH not allowed.
    expect(ehlo).not.toMatch(/AUTH/);
    expect(ehlo).not.toMatch(/STARTTLS/);
    expect(await d.command("MAIL FROM:<x@remote.example> SIZE=30000")).toMatch(/^552/);
    d.close();
    const big = mail({ Subject: "too big" }, `${"x".repeat(76)}\r\n`.repeat(400));
    const sent = await smtpSend(worker.smtpPort, {
      from: "x@remote.example",
      to: ["alice@local.test"],
      raw: big,
    });
    expect(sent).toMatchObject({ ok: false, code: 552 });
    expect((await storedMessages(store, ids.alice as string)).map((m) => m.subject)).not.toContain("too big");
  });

  it("answers 451 when the store cannot commit, and the client's retry is stored once", async () => {
    let failures = 1;
    const flaky: Store = {
      ...store,
      deliverMany: async (accounts, raw, options) => {
        if (failures-- > 0) throw new Error("database is locked");
        return store.deliverMany(accounts, raw, options);
      },
    };
    const { log, text } = captureLogger();
    const own = await startWorker(flaky, testConfig(), log);
    try {
      const raw = mail({ Subject: "retry me", "Message-ID": "<retry@remote>" }, "retry body\r\n");
      const first = await smtpSend(own.smtpPort, { from: "x@remote.example", to: ["carol@local.test"], raw });
      expect(first).toMatchObject({ ok: false, code: 451 });
      const second = await smtpSend(own.smtpPort, {
        from: "x@remote.example",
        to: ["carol@local.test"],
        raw,
      });
      expect(second).toMatchObject({ ok: true, code: 250 });
      const copies = (await storedMessages(store, ids.carol as string)).filter(
        (m) => m.subject === "retry me",
      );
      expect(copies).toHaveLength(1);
      expect(text()).toContain("smtp delivery failed");
      expect(text()).not.toContain("retry body");
    } finally {
      await own.stop(1_000);
    }
  });

  it("stores a message a Store Encrypted rule takes encrypted, and its plaintext nowhere", async () => {
    const { account } = await store.accounts.add("dave@local.test", { password: "dave-password" });
    await giveCertificate(store, account.id);
    await store.rules.add(
      { accountId: account.id },
      {
        name: "secret",
        conditions: [{ field: "Subject", op: "is", value: "*secret*" }],
        actions: [{ action: "Store Encrypted in", argument: "INBOX" }],
      },
    );
    const marker = `plaintext-marker-${Date.now()}`;
    const sent = await smtpSend(worker.smtpPort, {
      from: "x@remote.example",
      to: ["dave@local.test", "alice@local.test"],
      raw: mail({ Subject: "top secret", From: "x@remote.example" }, `${marker}\r\n`),
    });
    expect(sent.ok).toBe(true);
    const dave = await storedMessages(store, account.id);
    expect(dave).toHaveLength(1);
    expect(dave[0]).toMatchObject({ mailbox: "INBOX", security: "encrypted", cipher: "AES-256-CBC" });
    expect(dave[0]?.raw.toString("latin1")).toMatch(/application\/(x-)?pkcs7-mime/);
    expect(dave[0]?.raw.includes(marker)).toBe(false);
    // Alice has no such rule: her copy is plain (the rule is Dave's, not the message's).
    const alice = (await storedMessages(store, ids.alice as string)).filter(
      (m) => m.subject === "top secret",
    );
    expect(alice.map((m) => m.security)).toEqual(["plain"]);
  });

  it("answers 452 when the message data of all open transactions would exceed the memory budget", async () => {
    const listener = await startSmtpListener({
      store,
      log: captureLogger().log,
      host: "127.0.0.1",
      port: 0,
      name: "mx.sealbox.test",
      maxBytes: 100_000,
      memoryBudget: 8_000,
      allowLoopbackAuth: false,
    });
    try {
      const big = mail({ Subject: "over budget" }, `${"y".repeat(76)}\r\n`.repeat(200));
      const refused = await smtpSend(listener.port, {
        from: "x@remote.example",
        to: ["carol@local.test"],
        raw: big,
      });
      expect(refused).toMatchObject({ ok: false, code: 452 });
      // The budget is given back: a small message right after is accepted.
      const small = await smtpSend(listener.port, {
        from: "x@remote.example",
        to: ["carol@local.test"],
        raw: mail({ Subject: "within budget" }),
      });
      expect(small).toMatchObject({ ok: true, code: 250 });
      const subjects = (await storedMessages(store, ids.carol as string)).map((m) => m.subject);
      expect(subjects).toContain("within budget");
      expect(subjects).not.toContain("over budget");
    } finally {
      await listener.close(1_000);
    }
  });

  it("spools DATA encrypted and removes the file after the reply, after a refusal, and when the client goes away", async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), "sealbox-listener-spool-"));
    const listener = await startSmtpListener({
      store,
      log: captureLogger().log,
      host: "127.0.0.1",
      port: 0,
      name: "mx.sealbox.test",
      maxBytes: 2_000_000,
      allowLoopbackAuth: false,
      spoolDir,
    });
    try {
      const marker = "spooled-and-gone-marker";
      const body = `${marker} ${"z".repeat(60)}\r\n`.repeat(20_000);
      const to = ["carol@local.test"];
      const ok = await smtpSend(listener.port, {
        from: "x@remote.example",
        to,
        raw: mail({ Subject: "spooled" }, body),
      });
      expect(ok).toMatchObject({ ok: true, code: 250 });
      // Removed just after the reply.
      await waitFor(() => readdirSync(spoolDir).length === 0, 10_000, "the spool emptied");
      const big = await smtpSend(listener.port, {
        from: "x@remote.example",
        to,
        raw: mail({ Subject: "too big" }, body.repeat(2)),
      });
      expect(big).toMatchObject({ ok: false, code: 552 });
      // Removed just after the reply.
      await waitFor(() => readdirSync(spoolDir).length === 0, 10_000, "the spool emptied");
      // A client that leaves in the middle of DATA: the partial file goes too.
      const d = await dialog(listener.port);
      await d.command("EHLO client.example");
      await d.command("MAIL FROM:<x@remote.example>");
      await d.command("RCPT TO:<carol@local.test>");
      await d.command("DATA");
      d.write(`Subject: left\r\n\r\n${body}`);
      await waitFor(() => readdirSync(spoolDir).length > 0, 10_000, "the spool file");
      expect(readFileSync(join(spoolDir, readdirSync(spoolDir)[0] as string)).includes(marker)).toBe(false);
      d.close();
      await waitFor(
        () => readdirSync(spoolDir).length === 0,
        10_000,
        "the spool emptied after the client left",
      );
      expect(listener.inFlight()).toBe(0);
    } finally {
      await listener.close(1_000);
      rmSync(spoolDir, { recursive: true, force: true });
    }
  });

  it("does not count repeated recipients twice", async () => {
    const sent = await smtpSend(worker.smtpPort, {
      from: "x@remote.example",
      to: ["carol@local.test", "Carol@Local.Test", "carol@local.test"],
      raw: mail({ Subject: "once only" }),
    });
    expect(sent.ok).toBe(true);
    const copies = (await storedMessages(store, ids.carol as string)).filter(
      (m) => m.subject === "once only",
    );
    expect(copies).toHaveLength(1);
    expect(await store.jobs.stats()).toMatchObject({ queued: 0 });
  });
});
