import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { derOrPem, parseCertificate } from "@sealbox/core";
import { decodeOutgoing, openStore, type Store, silentLogger } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openssl, opensslUserPfx } from "../test-support/openssl.js";
import { cli, tempHome } from "../test-support/run-cli.js";

const ENV = {
  PW: "login",
  ALICE_PW: "alice's secure mail password",
  BOB_PW: "bob's secure mail password",
  FP: "file",
};
const ALICE = "alice@send.example";
const BOB = "bob@send.example";
const CAROL = "carol@remote.example";

interface SendJson {
  sentId: string;
  local: Array<{ address: string; stored: number }>;
  queued: Array<{ jobId: string; recipients: string[] }>;
  security: string;
  cipher: string | null;
}

describe("sealbox send", () => {
  let home: string;
  let store: Store;
  const run = (args: string[], input?: string) => cli(home, args, { env: ENV, ...(input ? { input } : {}) });
  const list = async (account: string, box: string) =>
    JSON.parse((await run(["message", "list", account, box, "--json"])).stdout) as Array<{
      id: string;
      subject: string;
      security: string;
      cipher: string | null;
    }>;
  const mail = (headers: string, body = "Hello from Alice.\r\n") =>
    `From: ${ALICE}\r\n${headers}\r\n\r\n${body}`;
  /** A queued job's message bytes, as the worker would relay them. */
  const queuedRaw = async (jobId: string) => {
    const job = await store.jobs.get(jobId);
    return decodeOutgoing(job!.payload!);
  };

  beforeAll(async () => {
    home = tempHome();
    for (const [a, pw] of [
      [ALICE, "ALICE_PW"],
      [BOB, "BOB_PW"],
    ] as const) {
      expect((await run(["account", "add", a, "--password-env", "PW"])).code).toBe(0);
      expect((await run(["secure-mail", "generate", a, "--secure-password-env", pw])).code).toBe(0);
    }
    // Carol is remote: an OpenSSL key and certificate, which Alice has in her address book.
    opensslUserPfx(home, "carol", CAROL, "FP", ENV);
    const show = await run(["ca", "show", "--pem"]);
    writeFileSync(join(home, "ca.pem"), show.stdout);
    store = await openStore(`sqlite:${join(home, "sealbox.db")}`, { base: home, logger: silentLogger });
    const carol = parseCertificate(derOrPem(readFileSync(join(home, "carol.crt"), "utf8"), "CERTIFICATE"));
    await store.contactCertificates.take((await store.accounts.require(ALICE)).id, carol);
  });
  afterAll(() => store?.close());

  it("--sign --encrypt delivers to the local recipient, queues the remote one, and OpenSSL at the far end decrypts and verifies", async () => {
    const r = await run(
      ["send", ALICE, "--sign", "--encrypt", "--secure-password-env", "ALICE_PW", "--json"],
      mail(`To: ${BOB}, ${CAROL}\r\nSubject: signed and sealed`, "the plan is on\r\n"),
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as SendJson;
    expect(result).toMatchObject({
      security: "signed+encrypted",
      cipher: "AES-256-CBC",
      local: [{ address: BOB, stored: 1 }],
      queued: [{ recipients: [CAROL] }],
    });
    // Bob's INBOX shows it as encrypted (the signature is inside, seen after Decrypt).
    const [bobCopy] = await list(BOB, "INBOX");
    expect(bobCopy).toMatchObject({ subject: "signed and sealed", security: "encrypted" });
    const d = await run([
      "message",
      "decrypt",
      BOB,
      "INBOX",
      bobCopy!.id,
      "--secure-password-env",
      "BOB_PW",
      "--json",
    ]);
    expect(JSON.parse(d.stdout)).toMatchObject({ security: "signed" });
    // Alice's Sent copy.
    const [sent] = await list(ALICE, "Sent");
    expect(sent).toMatchObject({ id: result.sentId, security: "signed+encrypted", cipher: "AES-256-CBC" });

    // What the worker would relay to Carol: OpenSSL decrypts it with her key and verifies Alice's signature.
    const job = await queuedRaw(result.queued[0]!.jobId);
    expect(job).toMatchObject({ envelopeFrom: ALICE, recipients: [CAROL] });
    writeFileSync(join(home, "to-carol.eml"), job.raw);
    openssl(
      [
        "cms",
        "-decrypt",
        "-in",
        "to-carol.eml",
        "-inkey",
        "carol.key",
        "-recip",
        "carol.crt",
        "-out",
        "carol-plain.eml",
      ],
      {
        cwd: home,
      },
    );
    const verified = openssl(
      ["cms", "-verify", "-in", "carol-plain.eml", "-CAfile", "ca.pem", "-purpose", "smimesign"],
      {
        cwd: home,
      },
    );
    expect(verified).toContain("the plan is on");
  });

  it("a 64 MiB message on stdin is spooled and streamed: signed+encrypted to Bob and Carol in bounded memory, and OpenSSL decrypts Carol's copy", async () => {
    // As a mail client composes it: a text part and a 48 MiB attachment, 64 MiB in base64.
    const attachment = Buffer.alloc(48 * 1024 * 1024, "streamed through the spool\n");
    const body = Buffer.from(
      "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe archive is attached.\r\n" +
        '--b1\r\nContent-Type: application/octet-stream; name="archive.bin"\r\n' +
        "Content-Transfer-Encoding: base64\r\n\r\n" +
        `${attachment.toString("base64").replace(/.{76}/g, "$&\r\n")}\r\n--b1--\r\n`,
    );
    const raw = Buffer.concat([
      Buffer.from(
        mail(
          `To: ${BOB}, ${CAROL}\r\nSubject: very large\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"`,
          "",
        ),
      ),
      body,
    ]);
    expect(raw.length).toBeGreaterThan(64 * 1024 * 1024);
    const args = ["send", ALICE, "--sign", "--encrypt", "--secure-password-env", "ALICE_PW", "--json"];
    // The same command on a small message: what the process needs anyway.
    const small = await cli(home, args, {
      env: ENV,
      input: mail(`To: ${BOB}, ${CAROL}\r\nSubject: small`),
      watchMemory: true,
    });
    expect(small.code, small.stderr).toBe(0);
    const large = await cli(home, args, { env: ENV, input: raw, watchMemory: true });
    expect(large.code, large.stderr).toBe(0);
    const extra = (large.peakRss ?? Number.POSITIVE_INFINITY) - (small.peakRss ?? 0);
    console.info(
      `sealbox send, 64 MiB signed+encrypted: peak RSS ${Math.round((large.peakRss ?? 0) / 2 ** 20)} MiB, ${Math.round(extra / 2 ** 20)} MiB over a small send`,
    );
    // Measured 78–90 MiB for attachments of 12 to 72 MiB (garbage not yet collected, not the
    // message); held whole, the message and its protected copy alone are over 150 MB.
    expect(extra).toBeLessThan(150 * 1000 * 1000);

    const result = JSON.parse(large.stdout) as SendJson;
    expect(result).toMatchObject({ security: "signed+encrypted", local: [{ address: BOB, stored: 1 }] });
    const job = await store.outgoing.open((await store.jobs.get(result.queued[0]!.jobId))!);
    const parts: Buffer[] = [];
    const content = job.content();
    if (content instanceof Uint8Array) parts.push(Buffer.from(content));
    else for await (const p of content) parts.push(Buffer.from(p));
    writeFileSync(join(home, "large-to-carol.eml"), Buffer.concat(parts));
    openssl(
      [
        "cms",
        "-decrypt",
        "-in",
        "large-to-carol.eml",
        "-inkey",
        "carol.key",
        "-recip",
        "carol.crt",
        "-out",
        "large-plain.eml",
      ],
      { cwd: home },
    );
    openssl(
      [
        "cms",
        "-verify",
        "-in",
        "large-plain.eml",
        "-CAfile",
        "ca.pem",
        "-purpose",
        "smimesign",
        "-out",
        "large-verified.eml",
      ],
      { cwd: home },
    );
    const verified = readFileSync(join(home, "large-verified.eml"));
    expect(verified.subarray(verified.length - body.length).equals(body)).toBe(true);
  }, 180_000);

  it("--sign alone is readable by everyone; Bcc recipients get their own copy and nobody sees the Bcc field", async () => {
    const r = await run(
      ["send", ALICE, "--sign", "--secure-password-env", "ALICE_PW", "--json"],
      mail(`To: ${CAROL}\r\nBcc: ${BOB}, dave@remote.example\r\nSubject: signed only`),
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as SendJson;
    expect(result.security).toBe("signed");
    expect(result.local).toEqual([{ address: BOB, stored: 1 }]);
    expect(result.queued.map((q) => q.recipients)).toEqual([[CAROL], ["dave@remote.example"]]);
    for (const q of result.queued) {
      const job = await queuedRaw(q.jobId);
      expect(Buffer.from(job.raw).toString()).not.toMatch(/^Bcc:/im);
      writeFileSync(join(home, "signed.eml"), job.raw);
      expect(openssl(["cms", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem"], { cwd: home })).toContain(
        "Hello from Alice.",
      );
    }
    const bobCopy = (await list(BOB, "INBOX")).find((m) => m.subject === "signed only")!;
    expect(bobCopy.security).toBe("signed");
    const bytes = (await run(["message", "show", BOB, "INBOX", bobCopy.id, "--raw"])).stdout;
    expect(bytes).not.toMatch(/^Bcc:/im);
  });

  it("--encrypt with --cipher uses that cipher; an unknown cipher is a usage error", async () => {
    const r = await run(
      ["send", ALICE, "--encrypt", "--cipher", "AES-128-GCM", "--json"],
      mail(`To: ${BOB}\r\nSubject: gcm`),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ security: "encrypted", cipher: "AES-128-GCM" });
    const bad = await run(["send", ALICE, "--encrypt", "--cipher", "ROT13"], mail(`To: ${BOB}`));
    expect(bad.code).toBe(2);
  });

  it("missing certificates stop the send (exit 1) naming each address; nothing is stored or queued", async () => {
    const sentBefore = (await list(ALICE, "Sent")).length;
    const queuedBefore = (await store.jobs.stats()).queued;
    const r = await run(
      ["send", ALICE, "--encrypt"],
      mail(`To: ${BOB}, dave@remote.example\r\nCc: erin@remote.example\r\nSubject: no certs`),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^sealbox: cannot encrypt: no usable certificate for dave@remote\.example \(no certificate\), erin@remote\.example \(no certificate\)\n$/,
    );
    expect((await list(ALICE, "Sent")).length).toBe(sentBefore);
    expect((await store.jobs.stats()).queued).toBe(queuedBefore);
  });

  it("--sign without a password source is a usage error (exit 2); a wrong one is exit 1", async () => {
    expect((await run(["send", ALICE, "--sign"], mail(`To: ${BOB}`))).code).toBe(2);
    const wrong = await run(["send", ALICE, "--sign", "--secure-password-env", "BOB_PW"], mail(`To: ${BOB}`));
    expect(wrong).toMatchObject({ code: 1, stderr: "sealbox: wrong Secure Mail Password\n" });
    expect((await run(["send", ALICE], "")).code).toBe(2);
  });
});
