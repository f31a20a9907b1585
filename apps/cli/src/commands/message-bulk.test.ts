import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, tempHome } from "../test-support/run-cli.js";
import { progressLine } from "./message-bulk.js";

const ALICE = "alice@bulk-cli.example";
const ENV = { PW: "login", SMP: "bulk cli secure mail password", WRONG: "not the password" };

interface Listed {
  id: string;
  subject: string;
  security: string;
}

interface Line {
  id?: string;
  newId?: string | null;
  subject?: string;
  result?: string;
  error?: string;
  summary?: true;
  state?: string;
  total?: number;
  done?: number;
  skipped?: number;
  failed?: number;
}

describe("sealbox message encrypt-all | decrypt-all | append", () => {
  let home: string;
  const run = (args: string[], input?: Buffer) => cli(home, args, { env: ENV, ...(input ? { input } : {}) });
  const list = async (box: string): Promise<Listed[]> =>
    JSON.parse((await run(["message", "list", ALICE, box, "--json"])).stdout);
  const lines = (stdout: string): Line[] =>
    stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);

  beforeAll(async () => {
    home = tempHome();
    expect((await run(["account", "add", ALICE, "--password-env", "PW"])).code).toBe(0);
    expect((await run(["secure-mail", "generate", ALICE, "--secure-password-env", "SMP"])).code).toBe(0);
    expect((await run(["mailbox", "create", ALICE, "Archive"])).code).toBe(0);
    const files: string[] = [];
    for (let i = 0; i < 5; i++) {
      const file = join(home, `m${i}.eml`);
      writeFileSync(
        file,
        `From: carol@elsewhere.example\r\nTo: ${ALICE}\r\nSubject: bulk ${i}\r\n\r\nbody ${i}\r\n`,
      );
      files.push(file);
    }
    const appended = await run(["message", "append", ALICE, "Archive", ...files]);
    expect(appended).toMatchObject({ code: 0, stdout: "appended 5 messages to Archive\n" });
  }, 60_000);

  it("append stores each file exactly, without rules; --json lists each one", async () => {
    const file = join(home, "one.eml");
    const raw = Buffer.from("Subject: exact\nX-Byte: \xff\n\nno CRLF here", "latin1");
    writeFileSync(file, raw);
    const r = await run(["message", "append", ALICE, "INBOX", file, "--json"]);
    expect(r.code).toBe(0);
    const stored = JSON.parse(r.stdout) as Listed;
    expect(stored).toMatchObject({ subject: "exact", security: "plain", mailbox: "INBOX" });
    const back = await run(["message", "show", ALICE, "INBOX", stored.id, "--raw"]);
    expect(back.stdoutBytes.equals(raw)).toBe(true);
    expect((await run(["message", "append", ALICE, "INBOX", join(home, "missing.eml")])).code).toBe(1);
    expect((await run(["message", "append", ALICE, "INBOX"])).code).toBe(2);
  });

  it("encrypt-all --json: one line per message, then a summary; then decrypt-all gives them back", async () => {
    const enc = await run([
      "message",
      "encrypt-all",
      ALICE,
      "Archive",
      "--secure-password-env",
      "SMP",
      "--json",
    ]);
    expect(enc.code).toBe(0);
    expect(enc.stderr).toBe("");
    const out = lines(enc.stdout);
    expect(out).toHaveLength(6);
    const perMessage = out.slice(0, 5);
    for (const l of perMessage) {
      expect(l).toMatchObject({ id: expect.any(String), result: "encrypted", newId: expect.any(String) });
      expect(l.error).toBeUndefined();
    }
    expect(perMessage.map((l) => l.subject).sort()).toEqual([
      "bulk 0",
      "bulk 1",
      "bulk 2",
      "bulk 3",
      "bulk 4",
    ]);
    expect(out[5]).toMatchObject({ summary: true, state: "done", total: 5, done: 5, skipped: 0, failed: 0 });
    const listed = await list("Archive");
    expect(listed.map((m) => m.security)).toEqual(Array(5).fill("encrypted"));
    expect(new Set(listed.map((m) => m.id))).toEqual(new Set(perMessage.map((l) => l.newId)));

    // Nothing is left in the other state: an empty run, still a summary, exit 0.
    const again = await run([
      "message",
      "encrypt-all",
      ALICE,
      "Archive",
      "--secure-password-env",
      "SMP",
      "--json",
    ]);
    expect(again.code).toBe(0);
    expect(lines(again.stdout)).toEqual([
      expect.objectContaining({ summary: true, state: "done", total: 0, done: 0 }),
    ]);

    const dec = await run(["message", "decrypt-all", ALICE, "Archive", "--secure-password-env", "SMP"]);
    expect(dec).toMatchObject({
      code: 0,
      stdout: "decrypted 5 of 5 messages in Archive (0 skipped, 0 failed)\n",
      stderr: "",
    });
    expect((await list("Archive")).map((m) => m.security)).toEqual(Array(5).fill("plain"));
  });

  it("a message that cannot be decrypted is reported failed with its reason; exit 1 after the summary", async () => {
    // Encrypted to someone else's key: alice's keys cannot open it.
    await run(["account", "add", "bob@bulk-cli.example", "--password-env", "PW"]);
    await run(["secure-mail", "generate", "bob@bulk-cli.example", "--secure-password-env", "SMP"]);
    await run(["deliver", "bob@bulk-cli.example"], Buffer.from("Subject: for bob\r\n\r\nsecret\r\n"));
    const [bobs] = await (async () =>
      JSON.parse(
        (await run(["message", "list", "bob@bulk-cli.example", "INBOX", "--json"])).stdout,
      ) as Listed[])();
    await run([
      "message",
      "encrypt",
      "bob@bulk-cli.example",
      "INBOX",
      bobs!.id,
      "--secure-password-env",
      "SMP",
    ]);
    const [sealed] = JSON.parse(
      (await run(["message", "list", "bob@bulk-cli.example", "INBOX", "--json"])).stdout,
    ) as Listed[];
    const raw = (await run(["message", "show", "bob@bulk-cli.example", "INBOX", sealed!.id, "--raw"]))
      .stdoutBytes;
    const file = join(home, "for-bob.eml");
    writeFileSync(file, raw);
    await run(["mailbox", "create", ALICE, "Mixed"]);
    await run(["message", "append", ALICE, "Mixed", file]);
    await run(["message", "append", ALICE, "Mixed", join(home, "m0.eml")]);
    await run(["message", "encrypt-all", ALICE, "Mixed", "--secure-password-env", "SMP"]);

    const dec = await run([
      "message",
      "decrypt-all",
      ALICE,
      "Mixed",
      "--secure-password-env",
      "SMP",
      "--json",
    ]);
    expect(dec.code).toBe(1);
    const out = lines(dec.stdout);
    expect(out.filter((l) => l.result === "decrypted").map((l) => l.subject)).toEqual(["bulk 0"]);
    const failed = out.find((l) => l.result === "failed");
    expect(failed).toMatchObject({ subject: "for bob", newId: null, error: expect.any(String) });
    expect(out.at(-1)).toMatchObject({ summary: true, state: "done", total: 2, done: 1, failed: 1 });
    expect(dec.stderr).toMatch(/1 message could not be decrypted/);
    const left = await list("Mixed");
    expect(left.map((m) => `${m.subject}:${m.security}`).sort()).toEqual([
      "bulk 0:plain",
      "for bob:encrypted",
    ]);
  });

  it("refuses a wrong Secure Mail Password, an unknown folder and bad usage without changing anything", async () => {
    const wrong = await run([
      "message",
      "encrypt-all",
      ALICE,
      "Archive",
      "--secure-password-env",
      "WRONG",
      "--json",
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toMatch(/wrong Secure Mail Password/);
    expect((await list("Archive")).map((m) => m.security)).toEqual(Array(5).fill("plain"));
    const unknown = await run(["message", "encrypt-all", ALICE, "Nowhere", "--secure-password-env", "SMP"]);
    expect(unknown.code).toBe(1);
    expect((await run(["message", "encrypt-all", ALICE, "--secure-password-env", "SMP"])).code).toBe(2);
    // No terminal and no --secure-password-env: a usage error, not a hang.
    expect((await run(["message", "decrypt-all", ALICE, "Archive"])).code).toBe(2);
    expect(
      (await run(["message", "encrypt-all", ALICE, "Archive", "--secure-password-env", "UNSET_VAR"])).code,
    ).toBe(2);
  });

  it("draws the progress bar to the terminal width", () => {
    expect(progressLine({ total: 200, done: 50, skipped: 0, failed: 0 }, 80)).toBe(
      `[${"#".repeat(10)}${".".repeat(30)}] 50 of 200`,
    );
    expect(progressLine({ total: 4, done: 2, skipped: 1, failed: 1 }, 30)).toBe(
      `[${"#".repeat(10)}] 4 of 4 (1 failed)`,
    );
    expect(progressLine({ total: 0, done: 0, skipped: 0, failed: 0 })).toMatch(/^\[#+\] 0 of 0$/);
  });
});

describe("sealbox secure-mail renew, then message re-encrypt-all", () => {
  it("moves a folder's encrypted mail to the new key: the exported new key alone opens every message", async () => {
    const home = tempHome();
    const env = { ...ENV, FILE_PW: "file password" };
    const run = (args: string[]) => cli(home, args, { env });
    expect((await run(["account", "add", ALICE, "--password-env", "PW"])).code).toBe(0);
    expect((await run(["secure-mail", "generate", ALICE, "--secure-password-env", "SMP"])).code).toBe(0);
    const files: string[] = [];
    for (let i = 0; i < 3; i++) {
      const file = join(home, `old${i}.eml`);
      writeFileSync(
        file,
        `From: carol@elsewhere.example\r\nTo: ${ALICE}\r\nSubject: old ${i}\r\n\r\nold ${i}\r\n`,
      );
      files.push(file);
    }
    expect((await run(["message", "append", ALICE, "INBOX", ...files])).code).toBe(0);
    expect((await run(["message", "encrypt-all", ALICE, "INBOX", "--secure-password-env", "SMP"])).code).toBe(
      0,
    );

    expect((await run(["secure-mail", "renew", ALICE, "--secure-password-env", "WRONG"])).code).toBe(1);
    const renewed = await run(["secure-mail", "renew", ALICE, "--secure-password-env", "SMP", "--json"]);
    expect(renewed.code).toBe(0);
    expect(JSON.parse(renewed.stdout)).toMatchObject({ hasKey: true, earlierKeys: 1 });

    const re = await run([
      "message",
      "re-encrypt-all",
      ALICE,
      "INBOX",
      "--secure-password-env",
      "SMP",
      "--json",
    ]);
    expect(re.code).toBe(0);
    const out = re.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);
    expect(out.filter((l) => l.result === "re-encrypted")).toHaveLength(3);
    expect(out.at(-1)).toMatchObject({ summary: true, state: "done", total: 3, done: 3, failed: 0 });
    // A second run finds nothing left on the old key.
    const again = await run([
      "message",
      "re-encrypt-all",
      ALICE,
      "INBOX",
      "--secure-password-env",
      "SMP",
      "--json",
    ]);
    expect(again.stdout.trim().split("\n").at(-1)).toMatch(/"done":0/);

    // Only the current (new) key leaves in an export; it opens each message with openssl-free core.
    const pfx = join(home, "new.p12");
    expect(
      (
        await run([
          "secure-mail",
          "export",
          ALICE,
          "--secure-password-env",
          "SMP",
          "--out",
          pfx,
          "--file-password-env",
          "FILE_PW",
        ])
      ).code,
    ).toBe(0);
    const listed = JSON.parse((await run(["message", "list", ALICE, "INBOX", "--json"])).stdout) as Listed[];
    expect(listed).toHaveLength(3);
    for (const m of listed) {
      expect(m.security).toBe("encrypted");
      const raw = (await run(["message", "show", ALICE, "INBOX", m.id, "--raw"])).stdoutBytes;
      const file = join(home, `${m.id}.eml`);
      writeFileSync(file, raw);
      const opened = await run(["smime", "open", file, "--pfx", pfx, "--password-env", "FILE_PW", "--json"]);
      expect(opened.code, opened.stderr).toBe(0);
      expect(JSON.parse(opened.stdout)).toMatchObject({ ok: true });
    }
  }, 180_000);
});
