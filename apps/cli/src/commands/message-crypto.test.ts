import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openssl, pemBlock } from "../test-support/openssl.js";
import { cli, tempHome } from "../test-support/run-cli.js";

const ALICE = "alice@crypt.example";
const ENV = { PW: "login", SMP: "message crypto secure password", FP: "file", WRONG: "wrong guess" };

interface Listed {
  id: string;
  subject: string;
  security: string;
  cipher: string | null;
  flags: string[];
  date: string;
  size: number;
}

describe("sealbox message decrypt | encrypt (the Decrypt and Encrypt buttons)", () => {
  let home: string;
  const run = (args: string[], input?: Buffer) => cli(home, args, { env: ENV, ...(input ? { input } : {}) });
  const list = async (box = "INBOX"): Promise<Listed[]> =>
    JSON.parse((await run(["message", "list", ALICE, box, "--json"])).stdout);
  const raw = async (id: string, box = "INBOX") =>
    (await run(["message", "show", ALICE, box, id, "--raw"])).stdoutBytes;

  beforeAll(async () => {
    home = tempHome();
    expect((await run(["account", "add", ALICE, "--password-env", "PW"])).code).toBe(0);
    expect((await run(["secure-mail", "generate", ALICE, "--secure-password-env", "SMP"])).code).toBe(0);
    // The key and certificate as files OpenSSL can use.
    const pfx = join(home, "alice.p12");
    await run([
      "secure-mail",
      "export",
      ALICE,
      "--secure-password-env",
      "SMP",
      "--out",
      pfx,
      "--file-password-env",
      "FP",
    ]);
    const pem = openssl(["pkcs12", "-in", pfx, "-passin", "env:FP", "-nodes"], { cwd: home, env: ENV });
    writeFileSync(join(home, "alice.key"), pemBlock(pem, "PRIVATE KEY"));
    writeFileSync(join(home, "alice.crt"), pemBlock(pem, "CERTIFICATE"));
  });

  it("encrypt then decrypt restores the stored bytes exactly, keeping mailbox, flags and date; OpenSSL opens the encrypted form", async () => {
    // LF line ends, 8-bit header and body bytes, no trailing newline: nothing may be normalised.
    const original = Buffer.concat([
      Buffer.from(
        "From: Carol <carol@elsewhere.example>\nTo: alice@crypt.example\nSubject: round trip\n",
        "latin1",
      ),
      Buffer.from(
        "Date: Thu, 5 Mar 2026 08:00:00 +0000\nX-Latin: caf\xe9\n\nline one\n\xff\x00 binary-ish",
        "latin1",
      ),
    ]);
    expect((await run(["deliver", ALICE], original)).code).toBe(0);
    const [plain] = await list();
    expect((await raw(plain!.id)).equals(original)).toBe(true);
    await run(["message", "flag", ALICE, "INBOX", plain!.id, "--flagged", "on"]);

    const enc = await run([
      "message",
      "encrypt",
      ALICE,
      "INBOX",
      plain!.id,
      "--secure-password-env",
      "SMP",
      "--json",
    ]);
    expect(enc.code).toBe(0);
    const sealed = JSON.parse(enc.stdout) as Listed;
    expect(sealed).toMatchObject({
      subject: "round trip",
      security: "encrypted",
      cipher: "AES-256-CBC",
      flags: ["flagged"],
      date: plain!.date,
      mailbox: "INBOX",
    });
    expect(sealed.id).not.toBe(plain!.id);
    expect((await list()).map((m) => m.id)).toEqual([sealed.id]);
    const encrypted = await raw(sealed.id);
    expect(encrypted.includes(Buffer.from("line one"))).toBe(false);
    // An independent reader: OpenSSL decrypts it to the original message, byte for byte.
    writeFileSync(join(home, "sealed.eml"), encrypted);
    openssl(
      [
        "cms",
        "-decrypt",
        "-binary",
        "-in",
        "sealed.eml",
        "-inkey",
        "alice.key",
        "-recip",
        "alice.crt",
        "-out",
        "opened.eml",
      ],
      { cwd: home },
    );
    expect(readFileSync(join(home, "opened.eml")).equals(original)).toBe(true);

    const dec = await run([
      "message",
      "decrypt",
      ALICE,
      "INBOX",
      sealed.id,
      "--secure-password-env",
      "SMP",
      "--json",
    ]);
    expect(dec.code).toBe(0);
    const back = JSON.parse(dec.stdout) as Listed;
    expect(back).toMatchObject({ security: "plain", cipher: null, flags: ["flagged"], date: plain!.date });
    expect((await raw(back.id)).equals(original)).toBe(true);
    expect((await list()).map((m) => m.id)).toEqual([back.id]);
  });

  it("a wrong password is exit 1 with a clear message, an unset variable exit 2; the message is untouched", async () => {
    const [m] = await list();
    const before = await raw(m!.id);
    for (const sub of ["encrypt", "decrypt"]) {
      const wrong = await run(["message", sub, ALICE, "INBOX", m!.id, "--secure-password-env", "WRONG"]);
      expect(wrong).toMatchObject({ code: 1, stderr: "sealbox: wrong Secure Mail Password\n", stdout: "" });
      const unset = await run([
        "message",
        sub,
        ALICE,
        "INBOX",
        m!.id,
        "--secure-password-env",
        "NOT_SET_ANYWHERE",
      ]);
      expect(unset.code).toBe(2);
      expect(unset.stderr).toContain("NOT_SET_ANYWHERE");
      const none = await run(["message", sub, ALICE, "INBOX", m!.id]);
      expect(none.code).toBe(2);
    }
    expect((await list()).map((x) => x.id)).toEqual([m!.id]);
    expect((await raw(m!.id)).equals(before)).toBe(true);
    // Decrypting a plain message, or a message in another mailbox, is refused (exit 1).
    expect(
      (await run(["message", "decrypt", ALICE, "INBOX", m!.id, "--secure-password-env", "SMP"])).code,
    ).toBe(1);
    expect(
      (await run(["message", "encrypt", ALICE, "Sent", m!.id, "--secure-password-env", "SMP"])).code,
    ).toBe(1);
    await run(["message", "delete", ALICE, "INBOX", m!.id]);
  });

  it("a Store Encrypted rule stores incoming mail encrypted; Decrypt gives the delivered bytes back", async () => {
    const rule = await run([
      "rule",
      "add",
      ALICE,
      "--name",
      "seal secrets",
      "--if",
      "Subject is *secret*",
      "--then",
      "Store Encrypted in Vault",
    ]);
    expect(rule.code).toBe(0);
    const original = Buffer.from(
      "From: boss@elsewhere.example\r\nTo: alice@crypt.example\r\nSubject: top secret\r\nMessage-ID: <s1@elsewhere.example>\r\n\r\nthe vault code is 1234\r\n",
    );
    const d = await run(["deliver", ALICE], original);
    expect(d).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^delivered to Vault \(encrypted, AES-256-CBC\) id /),
    });
    const [m] = await list("Vault");
    expect(m).toMatchObject({ subject: "top secret", security: "encrypted", cipher: "AES-256-CBC" });
    expect((await raw(m!.id, "Vault")).includes(Buffer.from("vault code"))).toBe(false);
    const dec = await run([
      "message",
      "decrypt",
      ALICE,
      "Vault",
      m!.id,
      "--secure-password-env",
      "SMP",
      "--json",
    ]);
    expect(dec.code).toBe(0);
    expect((await raw(JSON.parse(dec.stdout).id, "Vault")).equals(original)).toBe(true);
  });
});
