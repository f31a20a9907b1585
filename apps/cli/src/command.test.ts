import { CoreError } from "@sealbox/core";
import { describe, expect, it } from "vitest";
import { command, group, invoke, reportFailure, runCommand, usage } from "./command.js";
import { entry as account } from "./commands/account.js";
import { entry as deliver } from "./commands/deliver.js";
import { entry as message } from "./commands/message.js";
import { AbortError, BugError, UsageError } from "./errors.js";
import { flag, value } from "./options.js";
import { memoryIo } from "./test-support/memory-io.js";
import { tempHome } from "./test-support/run-cli.js";

/** A small group declared like every command, whose run does what the test asks. */
function fixture(fail?: () => never) {
  const show = command({
    name: "thing show",
    args: "NAME",
    expect: "one NAME",
    options: { out: value("FILE", { required: true }), json: flag() },
    failureContract: true,
    async run({ options, positionals: [name] }, io) {
      if (fail) fail();
      io.stdout(`${name} -> ${options.out}${options.json ? " (json)" : ""}\n`);
      return 0;
    },
  });
  return group("thing", { show });
}

const SHOW_USAGE = "usage: sealbox thing show NAME --out FILE [--json]";

describe("the one place failures become exit codes and messages", () => {
  it.each([
    [
      "an AbortError: the operation failed",
      new AbortError("no such mailbox", "not-found"),
      1,
      "sealbox: no such mailbox\n",
    ],
    ["a UsageError", new UsageError("--x is required"), 2, "sealbox: --x is required\n"],
    [
      "deliver's unknown account",
      new AbortError("no account a@b", "no-such-account", "no-such-account"),
      67,
      "sealbox: no account a@b\n",
    ],
    [
      "deliver's refused message (header block over the limits)",
      new AbortError("message refused: more than 1000 header fields", "refused", "refused"),
      65,
      "sealbox: message refused: more than 1000 header fields\n",
    ],
    [
      "deliver's temporary failure",
      new AbortError("database busy", "try-later", "try-later"),
      75,
      "sealbox: database busy\n",
    ],
    [
      "a CoreError (input core refused)",
      new CoreError("malformed", "not a certificate"),
      1,
      "sealbox: not a certificate\n",
    ],
  ])("%s", (_name, error, code, stderr) => {
    const m = memoryIo();
    expect(reportFailure(error, m.io)).toBe(code);
    expect(m.err()).toBe(stderr);
    expect(m.out()).toBe("");
  });

  it("a bug (BugError or any other exception) exits 70 with its stack, said to be a bug", () => {
    for (const error of [new BugError("cannot happen"), new TypeError("x is undefined")]) {
      const m = memoryIo();
      expect(reportFailure(error, m.io)).toBe(70);
      expect(m.err()).toMatch(/^sealbox: unexpected error \(a bug\):\n\w*Error: .*\n\s+at /);
    }
  });

  it("a command with a failure contract: JSON on stdout under --json, the code named on stderr without", async () => {
    const failing = fixture(() => {
      throw new CoreError("wrong-password", "the password does not open it");
    });
    const asJson = memoryIo();
    expect(await runCommand(failing, ["show", "n", "--out", "o", "--json"], asJson.io)).toBe(1);
    expect(JSON.parse(asJson.out())).toEqual({
      ok: false,
      error: { code: "wrong-password", message: "the password does not open it" },
    });
    expect(asJson.err()).toBe("");
    const plain = memoryIo();
    expect(await runCommand(failing, ["show", "n", "--out", "o"], plain.io)).toBe(1);
    expect(plain.err()).toBe("sealbox: the password does not open it (wrong-password)\n");
    expect(plain.out()).toBe("");
  });
});

describe("declared options: validated, usage generated", () => {
  it("runs with the typed values", async () => {
    const m = memoryIo();
    expect(await runCommand(fixture(), ["show", "n", "--json", "--out=o"], m.io)).toBe(0);
    expect(m.out()).toBe("n -> o (json)\n");
  });

  it.each([
    ["an unknown flag", ["show", "n", "--out", "o", "--verbose"], "unknown flag --verbose"],
    ["a flag without its value", ["show", "n", "--out"], "--out needs a value (FILE)"],
    ["a missing required option", ["show", "n"], "--out is required"],
    ["a missing positional", ["show", "--out", "o"], "expected one NAME"],
  ])("%s: exit 2, the problem, then the generated usage; nothing on stdout", async (_name, argv, problem) => {
    const m = memoryIo();
    expect(await runCommand(fixture(), argv, m.io)).toBe(2);
    expect(m.err()).toBe(`sealbox: ${problem}\n${SHOW_USAGE}\n`);
    expect(m.out()).toBe("");
  });

  it("an unknown or missing subcommand: exit 2 with the group's usage", async () => {
    const m = memoryIo();
    expect(await runCommand(fixture(), ["frob"], m.io)).toBe(2);
    expect(m.err()).toBe(`sealbox: unknown command "thing frob"\nusage:\n  ${SHOW_USAGE.slice(7)}\n`);
    const none = memoryIo();
    expect(await runCommand(fixture(), [], none.io)).toBe(2);
    expect(none.err()).toMatch(/^sealbox: thing needs a command: show\n/);
  });

  it("--help prints the generated usage on stdout, exit 0", async () => {
    const m = memoryIo();
    expect(await runCommand(fixture(), ["show", "--help"], m.io)).toBe(0);
    expect(m.out()).toBe(`${SHOW_USAGE}\n`);
  });

  it("invoke hands the command's own error to the caller", async () => {
    await expect(invoke(fixture(), ["show", "n"], memoryIo().io)).rejects.toThrow(UsageError);
  });

  it("every real command's usage is generated from its declaration", () => {
    expect(usage(deliver)).toMatch(/^usage: sealbox deliver ACCOUNT \[--json\] \[--store URL\]\n/);
    expect(usage(message)).toContain("sealbox message move ACCOUNT MAILBOX ID --to MAILBOX [--store URL]");
  });
});

describe("commands run on an in-memory CliIo (no process globals)", () => {
  it("account add prompts on a terminal; deliver reads stdin and speaks sysexits", async () => {
    const env = { SEALBOX_HOME: tempHome(), SEALBOX_STORE: "" };
    const added = memoryIo({ env, tty: true, answers: ["pw 1", "pw 1"] });
    expect(await runCommand(account, ["add", "alice@io.example"], added.io), added.err()).toBe(0);
    expect(added.prompts).toEqual(["Login password", "Login password (again)"]);
    expect(added.out()).toBe("added account alice@io.example with INBOX, Sent, Drafts and Trash\n");

    const mail = "From: bob@io.example\r\nSubject: in memory\r\n\r\nhello\r\n";
    const delivered = memoryIo({ env, input: mail });
    expect(await runCommand(deliver, ["alice@io.example", "--json"], delivered.io), delivered.err()).toBe(0);
    expect(JSON.parse(delivered.out()).stored).toEqual([expect.objectContaining({ mailbox: "INBOX" })]);

    const listed = memoryIo({ env });
    expect(await runCommand(message, ["list", "alice@io.example", "INBOX", "--json"], listed.io)).toBe(0);
    expect(JSON.parse(listed.out())).toEqual([expect.objectContaining({ subject: "in memory" })]);

    const nobody = memoryIo({ env, input: mail });
    expect(await runCommand(deliver, ["nobody@io.example"], nobody.io)).toBe(67);
    expect(nobody.err()).toBe("sealbox: no account nobody@io.example\n");

    // A terminal on stdin means no message was piped in: a usage error, not a hang.
    const tty = memoryIo({ env, tty: true });
    expect(await runCommand(deliver, ["alice@io.example"], tty.io)).toBe(2);
    expect(tty.err()).toMatch(/^sealbox: the message comes on stdin/);
  });
});
