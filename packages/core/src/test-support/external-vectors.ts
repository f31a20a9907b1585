import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * Test vectors from suites no one here wrote (x509-limbo, Project Wycheproof) are data kept
 * outside the repository: in the `shared/` folder that sits beside the checkout (on developer
 * machines and in CI alike), under `vectors/`, or wherever SEALBOX_VECTORS points. Each suite's
 * folder carries a PROVENANCE.md naming the upstream commit and licence. Where the suite's
 * folder is absent (a clone without the shared folder), its tests are skipped with a note
 * saying so and where to put it; where the folder is there, a missing file fails the test.
 */
export function vectorsDir(): string {
  const repoRoot = resolve(import.meta.dirname, "../../../..");
  return process.env.SEALBOX_VECTORS ?? join(repoRoot, "..", "shared", "vectors");
}

export function readVectors<T>(relativePath: string): T {
  const file = join(vectorsDir(), relativePath);
  if (!existsSync(file))
    throw new Error(
      `test vectors ${relativePath} not found at ${file}: put the suite under shared/vectors/ beside the checkout, or set SEALBOX_VECTORS`,
    );
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

/** Whether a suite's folder is there; if not, says so once (its tests are then skipped). */
export function skipWithoutVectors(suite: string): boolean {
  const folder = join(vectorsDir(), suite);
  if (existsSync(folder)) return false;
  console.warn(
    `note: the ${suite} vectors are not at ${folder}, so its conformance tests are skipped here ` +
      "(the data is kept outside the repository: see src/test-support/external-vectors.md)",
  );
  return true;
}
