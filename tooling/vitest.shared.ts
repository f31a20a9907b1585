import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, type ViteUserConfig } from "vitest/config";
import { FailureNotes } from "./vitest-failure-notes.ts";
import { HangWatchdog } from "./vitest-watchdog.ts";

/**
 * One vitest configuration for every package: workspace packages resolve to their
 * TypeScript sources (the `@sealbox/source` export condition), and timeouts are sized
 * for the 2-core CI machine, not a laptop.
 */
export function sealboxVitest(
  overrides: ViteUserConfig["test"] = {},
  options: { fileLimitSeconds?: number } = {},
): ViteUserConfig {
  // scripts/test collects one JSON report per package to compute the closing summary line.
  const resultsDir = process.env.SEALBOX_TEST_RESULTS;
  const packageName = JSON.parse(readFileSync(join(process.cwd(), "package.json"), "utf8")).name as string;
  const reportName = packageName.replace(/[@/]/g, "_");
  // No test file here runs for more than a minute or two; ten minutes means it hangs.
  const fromEnv = Number(process.env.SEALBOX_TEST_FILE_LIMIT_S);
  // An unset, empty or non-numeric value keeps the default (NaN would stop every file at once).
  const fileLimitSeconds = fromEnv > 0 ? fromEnv : (options.fileLimitSeconds ?? 600);
  const watchdog = new HangWatchdog(
    fileLimitSeconds * 1000,
    resultsDir ? join(resultsDir, `${reportName}.hung`) : undefined,
  );
  const reporters: NonNullable<ViteUserConfig["test"]>["reporters"] = resultsDir
    ? [
        "default",
        ["json", { outputFile: join(resultsDir, `${reportName}.json`) }],
        new FailureNotes(join(resultsDir, `${reportName}.errors.json`)),
        watchdog,
      ]
    : ["default", watchdog];
  // Vite's default server conditions, with ours first.
  const conditions = ["@sealbox/source", "module", "node", "development|production"];
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["@sealbox/source"] } },
    test: {
      environment: "node",
      include: ["src/**/*.test.ts", "src/**/*.test.tsx", "test/**/*.test.ts", "test/**/*.test.tsx"],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      pool: "forks",
      reporters,
      ...overrides,
    },
  });
}
