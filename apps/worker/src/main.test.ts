import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const bin = resolve(import.meta.dirname, "../../../bin/sealbox-worker");

describe("bin/sealbox-worker", () => {
  it("starts, logs, and exits within 10 s of SIGTERM", async () => {
    const home = mkdtempSync(join(tmpdir(), "sealbox-worker-"));
    const child = spawn(bin, [], {
      cwd: tmpdir(),
      env: { ...process.env, SEALBOX_HOME: home, SEALBOX_STORE: "" },
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
    expect(line).toMatchObject({ msg: "worker started", store: "sqlite" });
    const stopAt = Date.now();
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    expect(code).toBe(0);
    expect(out).toContain("worker stopped");
  });
});
