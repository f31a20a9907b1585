import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openssl } from "../test-support/openssl.js";
import { bin, cli, tempHome } from "../test-support/run-cli.js";

const eml = (subject: string, date: string, body = "Hello.\r\n") =>
  Buffer.from(
    `From: Bob <bob@x.org>\r\nTo: alice@mail.example\r\nSubject: ${subject}\r\nDate: ${date}\r\n\r\n${body}`,
  );

describe("sealbox deliver, mailbox and message", () => {
  let home: string;
  beforeAll(async () => {
    home = tempHome();
    await cli(home, ["account", "add", "alice@mail.example", "--password-env", "PW"], { env: { PW: "pw" } });
  });

  it("delivers from stdin to INBOX and lists it with the documented JSON fields", async () => {
    const raw = Buffer.concat([
      eml("hello", "Mon, 1 Jan 2024 10:00:00 +0000"),
      Buffer.from([0xff, 0x00, 0x0a]),
    ]);
    const d = await cli(home, ["deliver", "alice@mail.example"], { input: raw });
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^delivered to INBOX id [0-9a-f-]{36}\n$/);
    const list = await cli(home, ["message", "list", "alice@mail.example", "INBOX", "--json"]);
    const [m] = JSON.parse(list.stdout);
    expect(m).toEqual({
      id: expect.any(String),
      subject: "hello",
      from: "Bob <bob@x.org>",
      to: "alice@mail.example",
      date: "2024-01-01T10:00:00.000Z",
      size: raw.length,
      security: "plain",
      cipher: null,
      flags: [],
      mailbox: "INBOX",
    });
    const show = await cli(home, ["message", "show", "alice@mail.example", "INBOX", m.id, "--raw"]);
    expect(show.code).toBe(0);
    expect(show.stdoutBytes.equals(raw)).toBe(true);
    const counts = await cli(home, ["mailbox", "list", "alice@mail.example", "--json"]);
    expect(JSON.parse(counts.stdout)[0]).toMatchObject({ name: "INBOX", total: 1, unseen: 1 });
  });

  it("lists newest first, with --limit and --search", async () => {
    await cli(home, ["deliver", "alice@mail.example"], {
      input: eml("older report", "Sun, 1 Jan 2023 10:00:00 +0000"),
    });
    await cli(home, ["deliver", "alice@mail.example"], {
      input: eml("newest", "Mon, 1 Jan 2025 10:00:00 +0000"),
    });
    const all = JSON.parse(
      (await cli(home, ["message", "list", "alice@mail.example", "INBOX", "--json"])).stdout,
    );
    expect(all.map((m: { subject: string }) => m.subject)).toEqual(["newest", "hello", "older report"]);
    const one = JSON.parse(
      (await cli(home, ["message", "list", "alice@mail.example", "INBOX", "--json", "--limit", "1"])).stdout,
    );
    expect(one.map((m: { subject: string }) => m.subject)).toEqual(["newest"]);
    const found = JSON.parse(
      (await cli(home, ["message", "list", "alice@mail.example", "INBOX", "--json", "--search", "REPORT"]))
        .stdout,
    );
    expect(found.map((m: { subject: string }) => m.subject)).toEqual(["older report"]);
  });

  it("flags, copies, moves and deletes; show checks the mailbox named", async () => {
    const [m] = JSON.parse(
      (await cli(home, ["message", "list", "alice@mail.example", "INBOX", "--json", "--search", "hello"]))
        .stdout,
    );
    expect(
      (
        await cli(home, [
          "message",
          "flag",
          "alice@mail.example",
          "INBOX",
          m.id,
          "--seen",
          "on",
          "--flagged",
          "on",
        ])
      ).stdout,
    ).toBe("flags: seen, flagged\n");
    expect((await cli(home, ["mailbox", "create", "alice@mail.example", "Archive"])).code).toBe(0);
    expect(
      (await cli(home, ["message", "copy", "alice@mail.example", "INBOX", m.id, "--to", "Archive"])).code,
    ).toBe(0);
    expect(
      (await cli(home, ["message", "move", "alice@mail.example", "INBOX", m.id, "--to", "Trash"])).code,
    ).toBe(0);
    const wrongBox = await cli(home, ["message", "show", "alice@mail.example", "INBOX", m.id, "--raw"]);
    expect(wrongBox.code).toBe(1);
    expect(wrongBox.stdout).toBe("");
    const archived = JSON.parse(
      (await cli(home, ["message", "list", "alice@mail.example", "Archive", "--json"])).stdout,
    );
    expect(archived).toEqual([
      expect.objectContaining({ subject: "hello", flags: ["seen", "flagged"], mailbox: "Archive" }),
    ]);
    expect((await cli(home, ["message", "delete", "alice@mail.example", "Trash", m.id])).code).toBe(0);
    expect(
      JSON.parse((await cli(home, ["message", "list", "alice@mail.example", "Trash", "--json"])).stdout),
    ).toEqual([]);
  });

  it("deliver speaks sysexits: 67 unknown account, 2 without a message", async () => {
    const unknown = await cli(home, ["deliver", "nobody@mail.example"], {
      input: eml("x", "Mon, 1 Jan 2024 10:00:00 +0000"),
    });
    expect(unknown.code).toBe(67);
    expect(unknown.stderr).toContain("no account nobody@mail.example");
    expect((await cli(home, ["deliver", "not an address"], { input: "Subject: x\r\n\r\n" })).code).toBe(67);
    expect((await cli(home, ["deliver", "alice@mail.example"], { input: "" })).code).toBe(2);
    await cli(home, ["account", "add", "off@mail.example", "--password-env", "PW"], { env: { PW: "pw" } });
    await cli(home, ["account", "set", "off@mail.example", "--disabled", "on"]);
    expect((await cli(home, ["deliver", "off@mail.example"], { input: "Subject: x\r\n\r\n" })).code).toBe(67);
  });

  it("deliver exits 65 with a clear error for a header block over 256 KB or 1,000 fields, storing nothing", async () => {
    const fields = Array.from({ length: 1000 }, (_, i) => `X-Pad-${i}: x\r\n`).join("");
    const many = await cli(home, ["deliver", "alice@mail.example"], {
      input: `Subject: field bomb\r\n${fields}\r\nbody\r\n`,
    });
    expect(many.code).toBe(65);
    expect(many.stderr).toBe(
      "sealbox: message refused: more than 1000 header fields (the rules cannot be applied to it)\n",
    );
    const big = await cli(home, ["deliver", "alice@mail.example"], {
      input: `Subject: byte bomb\r\nX-Pad: ${"y".repeat(300 * 1024)}\r\n\r\nbody\r\n`,
    });
    expect(big.code).toBe(65);
    expect(big.stderr).toMatch(/header block larger than 262144 bytes/);
    const listed = await cli(home, ["message", "list", "alice@mail.example", "INBOX", "--json"]);
    expect(JSON.parse(listed.stdout).map((m: { subject: string }) => m.subject)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/bomb/)]),
    );
  });

  it("deliver exits 75 (try again) when the store cannot be reached", async () => {
    const r = await cli(
      home,
      ["deliver", "alice@mail.example", "--store", "postgres://nobody@127.0.0.1:1/none"],
      {
        input: "Subject: x\r\n\r\n",
      },
    );
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/try again later/);
  });

  it("lists mail encrypted elsewhere (openssl cms -encrypt, via sealbox deliver) with its real cipher", async () => {
    await cli(home, ["account", "add", "carol@mail.example", "--password-env", "PW"], { env: { PW: "pw" } });
    openssl(
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "elsewhere.key",
        "-out",
        "elsewhere.crt",
      ].concat(["-days", "2", "-subj", "/CN=Elsewhere/emailAddress=carol@mail.example"]),
      { cwd: home },
    );
    const sent: Record<string, string> = { "-aes-128-gcm": "AES-128-GCM", "-des3": "3DES-CBC" };
    for (const flag of Object.keys(sent)) {
      const sealed = openssl(["cms", "-encrypt", flag, "elsewhere.crt"], {
        cwd: home,
        input: "Content-Type: text/plain\r\n\r\nsealed elsewhere\r\n",
      });
      const input = `From: someone@elsewhere.example\r\nSubject: sealed ${flag}\r\n${sealed}`;
      expect((await cli(home, ["deliver", "carol@mail.example"], { input })).code).toBe(0);
    }
    const listed = JSON.parse(
      (await cli(home, ["message", "list", "carol@mail.example", "INBOX", "--json"])).stdout,
    ) as Array<{ subject: string; security: string; cipher: string | null }>;
    expect(
      listed
        .map(({ subject, security, cipher }) => ({ subject, security, cipher }))
        .sort((a, b) => a.subject.localeCompare(b.subject)),
    ).toEqual([
      { subject: "sealed -aes-128-gcm", security: "encrypted", cipher: "AES-128-GCM" },
      { subject: "sealed -des3", security: "encrypted", cipher: "3DES-CBC" },
    ]);
  });

  it("delivers a message of several MiB through the encrypted spool, byte for byte, leaving the spool empty", async () => {
    const line = Buffer.from(`${"spooled line ".repeat(5)}\r\n`);
    const body = Buffer.alloc(3 * 1024 * 1024 + 7, 0x2e);
    for (let at = 0; at + line.length <= body.length; at += line.length) line.copy(body, at);
    const raw = eml("large one", "Mon, 1 Jan 2024 11:00:00 +0000", body.toString("latin1"));
    const d = await cli(home, ["deliver", "alice@mail.example"], { input: raw });
    expect(d.code, d.stderr).toBe(0);
    const id = /id ([0-9a-f-]{36})/.exec(d.stdout)?.[1] as string;
    const show = await cli(home, ["message", "show", "alice@mail.example", "INBOX", id, "--raw"]);
    expect(show.stdoutBytes.equals(raw)).toBe(true);
    expect(readdirSync(join(home, "spool"))).toEqual([]);
  });
});

describe("sealbox message show --raw of a large message", () => {
  it("writes a message of several storage chunks byte for byte", async () => {
    const home = tempHome();
    await cli(home, ["account", "add", "big@mail.example", "--password-env", "PW"], { env: { PW: "pw" } });
    // 2.5 MiB of varied bytes: three 1 MiB storage chunks, written out one after another.
    const body = Buffer.alloc(Math.floor(2.5 * 1024 * 1024));
    for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 11)) & 0xff;
    const raw = Buffer.concat([eml("big", "Tue, 2 Jan 2024 10:00:00 +0000", ""), body]);
    expect((await cli(home, ["deliver", "big@mail.example"], { input: raw })).code).toBe(0);
    const [m] = JSON.parse(
      (await cli(home, ["message", "list", "big@mail.example", "INBOX", "--json"])).stdout,
    );
    const show = await cli(home, ["message", "show", "big@mail.example", "INBOX", m.id, "--raw"]);
    expect(show.code).toBe(0);
    expect(show.stdoutBytes.equals(raw)).toBe(true);

    // mailbox export: both messages in one mboxrd file, a body line "From …" quoted on the way
    // out (one across a storage chunk's edge too) and unquoted by the reader, oldest first.
    const lines = Buffer.from("From the start\r\n>From quoted\r\nplain\r\n");
    const head = eml("second", "Wed, 3 Jan 2024 10:00:00 +0000", "");
    // "From the start" begins two bytes before the first 1 MiB storage chunk ends.
    const second = Buffer.concat([
      head,
      Buffer.alloc(1024 * 1024 - 4 - head.length, "y"),
      Buffer.from("\r\n"),
      lines,
    ]);
    expect(second.indexOf("From the start")).toBe(1024 * 1024 - 2);
    expect((await cli(home, ["deliver", "big@mail.example"], { input: second })).code).toBe(0);
    const exported = await cli(home, ["mailbox", "export", "big@mail.example", "INBOX"]);
    expect(exported.code, exported.stderr).toBe(0);
    const mbox = exported.stdoutBytes.toString("latin1");
    expect(mbox).toContain("\r\n>From the start\r\n>>From quoted\r\n");
    const messages = mbox
      .split(/^From MAILER-DAEMON [^\n]*\n/m)
      .slice(1)
      .map((m) => Buffer.from(m.slice(0, -1).replace(/^>(>*From )/gm, "$1"), "latin1"));
    // Each message as stored, plus a line end where it did not end on one.
    const ended = (m: Buffer) => (m[m.length - 1] === 0x0a ? m : Buffer.concat([m, Buffer.from("\n")]));
    expect(messages).toHaveLength(2);
    expect(messages[0]?.equals(ended(raw))).toBe(true);
    expect(messages[1]?.equals(ended(second))).toBe(true);
    // A reader that stops early (| head) ends the export quietly: exit 0, nothing on stderr.
    const early = spawnSync(
      "bash",
      [
        "-c",
        `"$0" mailbox export big@mail.example INBOX 2>"$1" | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`,
        bin,
        join(home, "err.txt"),
      ],
      { env: { ...process.env, SEALBOX_HOME: home, SEALBOX_STORE: "" } },
    );
    expect(early.stdout.toString().trim()).toBe("0");
    expect(readFileSync(join(home, "err.txt"), "utf8")).toBe("");
    // An independent reader: Python's mailbox module finds the two messages and their subjects.
    writeFileSync(join(home, "inbox.mbox"), exported.stdoutBytes);
    const python = execFileSync("python3", [
      "-c",
      "import mailbox,sys; print('|'.join(m['subject'] for m in mailbox.mbox(sys.argv[1])))",
      join(home, "inbox.mbox"),
    ]).toString();
    expect(python.trim()).toBe("big|second");
  });
});
