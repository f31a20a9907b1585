import { writeFileSync } from "node:fs";
import type { Reporter, SerializedError, TestModule } from "vitest/node";

/**
 * Writes the errors vitest's JSON report leaves out: a beforeAll or afterAll that throws (the
 * JSON then shows the file's tests as skipped, with no message), a file that fails to load,
 * and errors thrown outside any test. scripts/summarize-tests.mjs prints them beside the
 * closing line, which is all of a run's output CI is sure to show.
 */
export class FailureNotes implements Reporter {
  constructor(private readonly noteFile: string) {}

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): void {
    const notes: Array<{ file: string; where: string; message: string }> = [];
    const add = (file: string, where: string, errors: ReadonlyArray<SerializedError>) => {
      for (const e of errors) notes.push({ file, where, message: e.stack || e.message || String(e) });
    };
    for (const module of modules) {
      add(module.moduleId, "file", module.errors());
      for (const suite of module.children.allSuites()) add(module.moduleId, suite.fullName, suite.errors());
    }
    add("", "outside any test", unhandled);
    writeFileSync(this.noteFile, JSON.stringify(notes, null, 2));
  }
}
