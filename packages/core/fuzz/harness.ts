import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreError } from "../src/errors.js";
import type { FuzzTarget, SeedInput, TargetContext } from "./targets.js";

/**
 * Runs one input through a target and judges it: a return or a CoreError passes; any other
 * throw, a stack overflow hidden inside a CoreError's cause, more than 2 s, or more than
 * 256 MB allocated is a finding, saved (once per distinct cause) as a regression file.
 */
export const SLOW_MS = 2_000;
export const MEMORY_BYTES = 256 * 1024 * 1024;

export const CORE_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const REGRESSIONS = join(CORE_ROOT, "fuzz", "regressions");

export interface Finding {
  target: string;
  kind: "throw" | "slow" | "memory" | "crash" | "hang";
  /** What went wrong, e.g. "TypeError: Cannot read properties of undefined (reading 'tag') at asn1/ber-reader.ts:88". */
  what: string;
  file: string;
  ms?: number;
  bytes?: number;
}

export interface ExecStats {
  executions: number;
  /** Outcome counts: "ok", "CoreError:<code>", or a finding kind. */
  outcomes: Record<string, number>;
  /** The most frequent CoreError messages (digits folded), to see where inputs stop. */
  messages: Record<string, number>;
  findings: Finding[];
  slowestMs: number;
  /** Distinct behaviours seen: each refusal message (digits folded) and each result shape. */
  behaviours: number;
}

function stackOverflowInside(error: unknown): boolean {
  for (let e = error, i = 0; e && i < 10; e = (e as { cause?: unknown }).cause, i++)
    if (e instanceof RangeError && /call stack/i.test(e.message)) return true;
  return false;
}

/** The first stack frame inside packages/core, as "src/x/y.ts:line". */
function topFrame(error: unknown): string {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  for (const line of stack.split("\n").slice(1)) {
    const m = /(?:file:\/\/)?(\/[^\s():]+\.ts):(\d+)/.exec(line);
    if (m?.[1]?.startsWith(CORE_ROOT)) return `${relative(CORE_ROOT, m[1])}:${m[2]}`;
  }
  return "outside core";
}

export function regressionName(input: Uint8Array): string {
  return createHash("sha256").update(input).digest("hex").slice(0, 16);
}

/** Writes a finding's input and a JSON note beside it; returns the .bin path. */
export function saveFinding(dir: string, target: string, input: Uint8Array, finding: Omit<Finding, "file">) {
  const folder = join(dir, target);
  mkdirSync(folder, { recursive: true });
  const name = regressionName(input);
  const file = join(folder, `${name}.bin`);
  writeFileSync(file, input);
  writeFileSync(
    join(folder, `${name}.json`),
    `${JSON.stringify({ ...finding, file: `${name}.bin` }, null, 2)}\n`,
  );
  return file;
}

/** The committed regression inputs of one target. */
export function regressionInputs(target: string, dir = REGRESSIONS): Array<{ name: string; bytes: Buffer }> {
  const folder = join(dir, target);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith(".bin"))
    .sort()
    .map((f) => ({ name: `${target}/${f}`, bytes: readFileSync(join(folder, f)) }));
}

export class Executor {
  readonly stats: ExecStats = {
    executions: 0,
    outcomes: {},
    messages: {},
    findings: [],
    slowestMs: 0,
    behaviours: 0,
  };
  private readonly seen = new Set<string>();
  private readonly behaviours = new Set<string>();
  /** Whether the last input showed a behaviour no earlier input had (the child breeds from those). */
  novel = false;

  constructor(
    private readonly target: FuzzTarget,
    private readonly ctx: TargetContext,
    /** Where new findings go (the committed regressions folder in the long run). */
    private readonly findingsDir: string,
    /** Written before each execution, so a crash or hang can be traced to its input. */
    private readonly currentFile?: string,
  ) {}

  private count(key: string, into: Record<string, number>): void {
    into[key] = (into[key] ?? 0) + 1;
  }

  async execute(input: Uint8Array, origin: SeedInput | undefined): Promise<Finding | undefined> {
    if (this.currentFile) writeFileSync(this.currentFile, input);
    this.stats.executions++;
    const before = process.memoryUsage();
    const started = performance.now();
    let problem: Omit<Finding, "file" | "target"> | undefined;
    let key = "ok";
    let behaviour = "ok";
    try {
      behaviour = `ok:${(await this.target.run(input, this.ctx, origin)) ?? ""}`;
    } catch (error) {
      if (error instanceof CoreError && !stackOverflowInside(error)) {
        key = `CoreError:${error.code}`;
        behaviour = error.message.replace(/\d+/g, "N").slice(0, 90);
        this.count(behaviour, this.stats.messages);
      } else {
        const e = error as Error;
        problem = {
          kind: "throw",
          what: `${e?.name ?? typeof error}: ${String(e?.message ?? error).slice(0, 200)} at ${topFrame(stackOverflowInside(error) && e.cause ? e.cause : error)}`,
        };
      }
    }
    const ms = performance.now() - started;
    this.stats.slowestMs = Math.max(this.stats.slowestMs, ms);
    const after = process.memoryUsage();
    const grown = Math.max(
      after.rss - before.rss,
      after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers,
    );
    if (!problem && ms > SLOW_MS) problem = { kind: "slow", what: `took ${Math.round(ms)} ms`, ms };
    if (!problem && grown > MEMORY_BYTES)
      problem = { kind: "memory", what: `allocated about ${Math.round(grown / 2 ** 20)} MB`, bytes: grown };
    this.novel = !problem && !this.behaviours.has(behaviour);
    if (this.novel) {
      this.behaviours.add(behaviour);
      this.stats.behaviours = this.behaviours.size;
    }
    if (!problem) {
      this.count(key, this.stats.outcomes);
      return undefined;
    }
    this.count(problem.kind, this.stats.outcomes);
    const finding = { target: this.target.name, ...problem };
    const dedupe = `${finding.kind}|${finding.what.replace(/\d+ (ms|MB)/, "")}`;
    if (this.seen.has(dedupe)) return undefined;
    this.seen.add(dedupe);
    const file = saveFinding(this.findingsDir, this.target.name, input, finding);
    const recorded = { ...finding, file: relative(CORE_ROOT, file) };
    this.stats.findings.push(recorded);
    return recorded;
  }
}
