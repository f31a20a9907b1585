import { sealboxVitest } from "../../tooling/vitest.shared.ts";

/** `pnpm bench`: the SMTP throughput benchmark runs as one long vitest file (TypeScript, no build step). */
export default sealboxVitest(
  {
    include: ["bench/**/*.bench.ts"],
    // One benchmark at a time: two at once on a small machine would measure each other.
    fileParallelism: false,
    testTimeout: 30 * 60_000,
    hookTimeout: 5 * 60_000,
  },
  // A benchmark file runs for many minutes on purpose; the watchdog stops only a real hang.
  { fileLimitSeconds: 3 * 3600 },
);
