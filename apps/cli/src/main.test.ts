import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { SEALBOX_VERSION } from "@sealbox/core";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, "../../../bin/sealbox");

/** These run the built CLI through ./bin/sealbox exactly as a user would, from another cwd. */
describe("bin/sealbox", () => {
  it("prints the version, fast, from any working directory", async () => {
    const started = performance.now();
    const { stdout } = await run(bin, ["--version"], { cwd: tmpdir() });
    const elapsed = performance.now() - started;
    expect(stdout.trim()).toBe(`sealbox ${SEALBOX_VERSION}`);
    // Generous bound for a loaded 2-core CI box; typical is ~100 ms.
    expect(elapsed).toBeLessThan(2000);
  });

  it("prints help", async () => {
    const { stdout } = await run(bin, ["--help"]);
    expect(stdout).toContain("Usage:");
  });

  it("exits 2 on an unknown command", async () => {
    await expect(run(bin, ["frobnicate"])).rejects.toMatchObject({ code: 2 });
  });

  it("creates the embedded store in SEALBOX_HOME, not the cwd", async () => {
    const home = mkdtempSync(join(tmpdir(), "sealbox-home-"));
    const { stdout } = await run(bin, ["store", "info", "--json"], {
      cwd: tmpdir(),
      env: { ...process.env, SEALBOX_HOME: home, SEALBOX_STORE: "" },
    });
    const info = JSON.parse(stdout);
    expect(info).toMatchObject({ kind: "sqlite", home });
    expect(info.schemaVersion).toBeGreaterThan(0);
  });

  it("does not load Ink or React for script commands", async () => {
    // A resolve hook reports every ink/react module the process loads.
    const hook = `data:text/javascript,${encodeURIComponent(
      "export async function resolve(s,c,n){const r=await n(s,c);if(/node_modules\\/.*\\/(ink|react)\\//.test(r.url))console.error('LOADED',r.url);return r}",
    )}`;
    const register = `import{register}from"node:module";register(${JSON.stringify(hook)});`;
    const importArgs = ["--import", `data:text/javascript,${encodeURIComponent(register)}`];
    const main = resolve(import.meta.dirname, "../dist/main.js");
    const plain = await run(process.execPath, [...importArgs, main, "--version"]);
    expect(plain.stdout).toContain("sealbox");
    expect(plain.stderr).not.toContain("LOADED");
    // Control: the same hook does see Ink when something loads it.
    const control = await run(
      process.execPath,
      [...importArgs, "--input-type=module", "-e", "await import('ink')"],
      {
        cwd: resolve(import.meta.dirname, ".."),
      },
    );
    expect(control.stderr).toContain("LOADED");
  });
});
