#!/usr/bin/env node
// Adds up vitest's JSON reports (one per package) and the build/lint/typecheck checks, and
// prints the closing line "N passed, N failed". A package whose report is missing (its
// runner crashed) counts as a failure, as does any failed check. Exit 1 on any failure.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
// CI shows only the end of the output: each failure carries the first lines of its error.
const excerpt = (message) => {
  const lines = (message ?? "")
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l && !/^\s*at .*(node_modules|node:internal|<anonymous>)/.test(l))
    .slice(0, 8);
  return lines.length > 0 ? `\n      ${lines.join("\n      ")}` : "";
};
const root = new URL("..", import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];

for (const file of readdirSync(dir).filter((f) => f.endsWith(".check"))) {
  const name = file.replace(/\.check$/, "");
  if (readFileSync(join(dir, file), "utf8").trim() !== "pass") problems.push(`check failed: ${name}`);
}

const packages = ["packages", "apps"].flatMap((group) =>
  readdirSync(join(root, group)).map((name) => join(root, group, name)),
);
for (const pkgDir of packages) {
  const manifest = join(pkgDir, "package.json");
  if (!existsSync(manifest)) continue;
  const pkg = JSON.parse(readFileSync(manifest, "utf8"));
  if (!pkg.scripts?.test) continue;
  const report = join(dir, `${pkg.name.replace(/[@/]/g, "_")}.json`);
  if (!existsSync(report)) {
    failed += 1;
    const hung = join(dir, `${pkg.name.replace(/[@/]/g, "_")}.hung`);
    const why = existsSync(hung) ? readFileSync(hung, "utf8").trim() : "its runner did not finish";
    problems.push(`no test report from ${pkg.name} (${why})`);
    continue;
  }
  const json = JSON.parse(readFileSync(report, "utf8"));
  // Errors outside tests (a hook that threw, a file that did not load), by file.
  const notesFile = join(dir, `${pkg.name.replace(/[@/]/g, "_")}.errors.json`);
  const notes = existsSync(notesFile) ? JSON.parse(readFileSync(notesFile, "utf8")) : [];
  const notesFor = (name) =>
    notes
      .filter((n) => n.file === name)
      .map((n) => `${n.where === "file" ? "" : `in "${n.where}": `}${n.message}`)
      .join("\n");
  for (const n of notes.filter((n) => n.file === ""))
    problems.push(`${pkg.name}: error outside any test${excerpt(n.message)}`);
  for (const suite of json.testResults ?? []) {
    const file = suite.name.replace(`${pkgDir}/`, "");
    let failedHere = 0;
    for (const t of suite.assertionResults ?? []) {
      if (t.status === "passed") passed += 1;
      else if (t.status === "failed") {
        failed += 1;
        failedHere += 1;
        problems.push(`${pkg.name}: ${file} > ${t.fullName}${excerpt(t.failureMessages?.[0])}`);
      } else skipped += 1;
    }
    // A file that failed to load, or whose beforeAll threw (its tests are then reported as
    // skipped, not failed), has no failed assertion but a failure message of its own.
    if (failedHere === 0 && suite.status === "failed") {
      failed += 1;
      problems.push(`${pkg.name}: ${file} failed to run${excerpt(notesFor(suite.name) || suite.message)}`);
    }
  }
}

if (problems.length > 0) {
  console.log("\nFailures:");
  for (const p of problems) console.log(`  - ${p}`);
}
// The "tests" step fails whenever a test does; count it only when no test failure explains
// it (a runner that crashed after its tests, an unhandled error), so nothing is counted twice.
const checkFailures = problems.filter(
  (p) => p.startsWith("check failed") && !(p === "check failed: tests" && failed > 0),
).length;
console.log(`\n${passed} passed, ${failed + checkFailures} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(problems.length > 0 ? 1 : 0);
