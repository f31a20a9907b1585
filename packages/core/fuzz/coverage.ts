import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Summarises the V8 coverage a fuzz child wrote (NODE_V8_COVERAGE: precise, block-level,
 * with call counts) for the core source files a target claims to exercise. Byte counts are
 * over the JavaScript V8 ran (tsx's transform of the TypeScript), so they compare runs of the
 * same code, not lines of the source.
 */
interface V8Range {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface V8Function {
  functionName: string;
  ranges: V8Range[];
  isBlockCoverage: boolean;
}
interface V8Script {
  url: string;
  functions: V8Function[];
}

export interface FileCoverage {
  file: string;
  functions: number;
  functionsCovered: number;
  bytes: number;
  bytesCovered: number;
}

export interface CoverageSummary {
  files: FileCoverage[];
  functions: number;
  functionsCovered: number;
  bytes: number;
  bytesCovered: number;
}

function fileCoverage(file: string, script: V8Script): FileCoverage {
  // The module's own entry (offset 0, no name) spans the whole script, tsx's inline source map
  // included: count only bytes inside functions, outer ranges painted first, inner ones over them.
  const functions = script.functions.filter(
    (f) => !(f.ranges[0]?.startOffset === 0 && f.functionName === ""),
  );
  const length = Math.max(0, ...functions.flatMap((f) => f.ranges.map((r) => r.endOffset)));
  const counts = new Int8Array(length).fill(-1);
  const ranges = functions
    .flatMap((f) => f.ranges)
    .sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset));
  for (const r of ranges) counts.fill(r.count > 0 ? 1 : 0, r.startOffset, r.endOffset);
  let bytes = 0;
  let bytesCovered = 0;
  for (const c of counts) {
    if (c >= 0) bytes++;
    if (c === 1) bytesCovered++;
  }
  return {
    file,
    functions: functions.length,
    functionsCovered: functions.filter((f) => (f.ranges[0]?.count ?? 0) > 0).length,
    bytes,
    bytesCovered,
  };
}

/** Coverage of the files under packages/core/src whose relative path starts with one of `covers`. */
export function summarise(coverageDir: string, srcRoot: string, covers: string[]): CoverageSummary {
  const byFile = new Map<string, FileCoverage>();
  for (const name of readdirSync(coverageDir).filter((f) => f.endsWith(".json"))) {
    const data = JSON.parse(readFileSync(join(coverageDir, name), "utf8")) as { result: V8Script[] };
    for (const script of data.result) {
      if (!script.url.startsWith("file://")) continue;
      const path = fileURLToPath(script.url);
      const rel = relative(srcRoot, path);
      if (rel.startsWith("..") || rel.includes("test-support") || rel.endsWith(".test.ts")) continue;
      if (!covers.some((c) => rel === c || rel.startsWith(c))) continue;
      const cov = fileCoverage(rel, script);
      const prior = byFile.get(rel);
      if (!prior || prior.bytesCovered < cov.bytesCovered) byFile.set(rel, cov);
    }
  }
  const files = [...byFile.values()].sort((a, b) => a.file.localeCompare(b.file));
  const sum = (k: keyof Omit<FileCoverage, "file">) => files.reduce((n, f) => n + f[k], 0);
  return {
    files,
    functions: sum("functions"),
    functionsCovered: sum("functionsCovered"),
    bytes: sum("bytes"),
    bytesCovered: sum("bytesCovered"),
  };
}

export const percent = (part: number, whole: number): string =>
  whole === 0 ? "0.0%" : `${((100 * part) / whole).toFixed(1)}%`;
