import { execFileSync } from "node:child_process";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runCommand } from "../command.js";
import { entry as pfx } from "../commands/pfx.js";
import { entry as smime } from "../commands/smime.js";
import { memoryIo } from "../test-support/memory-io.js";
import { writePrivateFile } from "./write-private-file.js";

const mode = (path: string) => statSync(path).mode & 0o777;

describe("writePrivateFile (every --out file)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sealbox-private-file-"));
  });

  it("creates a new file with mode 0600 and leaves nothing else in the folder", async () => {
    const out = join(dir, "key.pfx");
    await writePrivateFile(out, Buffer.from([1, 2, 3]));
    expect(mode(out)).toBe(0o600);
    expect([...readFileSync(out)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(["key.pfx"]);
  });

  it("replaces an existing world-readable file instead of keeping its permissions", async () => {
    const out = join(dir, "export.pfx");
    writeFileSync(out, "old contents that are longer than the new ones", { mode: 0o644 });
    expect(mode(out)).toBe(0o644);
    await writePrivateFile(out, "new");
    expect(mode(out)).toBe(0o600);
    expect(readFileSync(out, "utf8")).toBe("new");
  });

  it("is exactly 0600 whatever the umask", async () => {
    const previous = process.umask(0o277);
    try {
      const out = join(dir, "narrow.pem");
      await writePrivateFile(out, "x");
      expect(mode(out)).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  it("replaces a symlink at the target rather than writing through it", async () => {
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "untouched", { mode: 0o644 });
    const out = join(dir, "out.pfx");
    symlinkSync(victim, out);
    await writePrivateFile(out, "secret");
    expect(lstatSync(out).isSymbolicLink()).toBe(false);
    expect(readFileSync(out, "utf8")).toBe("secret");
    expect(readFileSync(victim, "utf8")).toBe("untouched");
    expect(mode(victim)).toBe(0o644);
  });

  it("uses an unpredictable temporary name: a file planted under the old pid-based name is ignored", async () => {
    const out = join(dir, "crl.pem");
    // What an earlier version used: `${out}.${process.pid}.tmp` — here a symlink an attacker planted.
    const planted = `${out}.${process.pid}.tmp`;
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "untouched");
    symlinkSync(victim, planted);
    await writePrivateFile(out, "crl bytes");
    expect(readFileSync(victim, "utf8")).toBe("untouched");
    expect(readFileSync(out, "utf8")).toBe("crl bytes");
    // Writes to one target at once do not collide on a shared temporary name either.
    await Promise.all(Array.from({ length: 20 }, (_, i) => writePrivateFile(out, `write ${i}`)));
    expect(readFileSync(out, "utf8")).toMatch(/^write \d+$/);
    expect(readdirSync(dir).sort()).toEqual(["crl.pem", `crl.pem.${process.pid}.tmp`, "victim.txt"].sort());
  });

  it("fails cleanly when it cannot replace the target, leaving no temporary file", async () => {
    const out = join(dir, "a-folder");
    mkdirSync(out);
    // A user's mistake, not a bug: an AbortError (exit 1) naming the file and the system's reason.
    await expect(writePrivateFile(out, "x")).rejects.toMatchObject({
      name: "AbortError",
      code: "io",
      message: expect.stringMatching(new RegExp(`^cannot write ${out}: E[A-Z]+$`)),
    });
    expect(readdirSync(dir)).toEqual(["a-folder"]);
    const missing = join(dir, "missing", "x.pfx");
    await expect(writePrivateFile(missing, "x")).rejects.toMatchObject({
      name: "AbortError",
      message: `cannot write ${missing}: ENOENT`,
    });
  });

  it("sealbox smime protect --out into a missing folder exits 1 with a sentence, not 70 with a stack", async () => {
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
        ...["-keyout", "k.pem", "-out", "c.pem", "-subj", "/CN=Out Test", "-days", "2"],
      ],
      { cwd: dir, stdio: "pipe" },
    );
    const message = join(dir, "m.eml");
    writeFileSync(message, "From: a@example.test\r\nSubject: x\r\n\r\nbody\r\n");
    const out = join(dir, "no", "out.eml");
    const { io, err } = memoryIo();
    const code = await runCommand(
      smime,
      ["protect", message, "--encrypt", "--to", join(dir, "c.pem"), "--out", out],
      io,
    );
    expect({ code, err: err() }).toEqual({ code: 1, err: `sealbox: cannot write ${out}: ENOENT (io)\n` });
  });

  it("sealbox pfx convert --out onto an existing 0644 file leaves a 0600 file", async () => {
    const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    openssl([
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
      ...["-keyout", "k.pem", "-out", "c.pem", "-subj", "/CN=Perm Test", "-days", "2"],
    ]);
    openssl([
      "pkcs12",
      "-export",
      "-in",
      "c.pem",
      "-inkey",
      "k.pem",
      "-out",
      "in.p12",
      "-passout",
      "pass:pw",
    ]);
    const out = join(dir, "out.p12");
    writeFileSync(out, "someone else's readable file", { mode: 0o644 });
    const { io } = memoryIo({ env: { PW: "pw", NEW: "new pw" } });
    const code = await runCommand(
      pfx,
      ["convert", join(dir, "in.p12"), "--password-env", "PW", "--new-password-env", "NEW", "--out", out],
      io,
    );
    expect(code).toBe(0);
    expect(mode(out)).toBe(0o600);
    // openssl reads what was written, with the new password.
    expect(openssl(["pkcs12", "-in", out, "-passin", "pass:new pw", "-nokeys"]).toString()).toContain(
      "BEGIN CERTIFICATE",
    );
  });
});
