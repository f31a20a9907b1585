import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

/**
 * The test command's watchdog (tooling/vitest-watchdog.ts): a test file stuck in a synchronous
 * loop is stopped after the per-file limit, named in a note the summary prints, and its worker
 * is killed, instead of holding the whole run until CI's deadline.
 */
it("stops a file stuck in a synchronous loop, names it, and leaves no worker spinning", async () => {
  const results = mkdtempSync(join(tmpdir(), "sealbox-watchdog-"));
  try {
    const started = Date.now();
    const child = spawn(
      "pnpm",
      ["exec", "vitest", "run", "--config", "test/fixtures/hang/vitest.config.ts"],
      {
        cwd: join(import.meta.dirname, ".."),
        env: { ...process.env, SEALBOX_TEST_RESULTS: results, SEALBOX_TEST_FILE_LIMIT_S: "5" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    // Without a working watchdog the fixture would spin for ever: end it before the test times out.
    const guard = setTimeout(() => child.kill("SIGKILL"), 50_000);
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearTimeout(guard);
    const seconds = (Date.now() - started) / 1000;

    expect(code, output).toBe(1);
    expect(seconds).toBeLessThan(60);
    expect(output).toMatch(/watchdog: .*spins\.fixture\.ts ran past 5 s/);
    expect(readdirSync(results)).toEqual(["_sealbox_core.hung"]);
    expect(readFileSync(join(results, "_sealbox_core.hung"), "utf8")).toMatch(
      /spins\.fixture\.ts ran past 5 s/,
    );
    // The spinning worker was a child of the vitest process that exited: nothing with the
    // fixture's run still holds a CPU.
    const spinning = readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(join("/proc", p, "environ"), "utf8").includes(
            `SEALBOX_TEST_RESULTS=${results}`,
          );
        } catch {
          return false;
        }
      });
    expect(spinning).toEqual([]);
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
});
