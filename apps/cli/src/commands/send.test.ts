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
