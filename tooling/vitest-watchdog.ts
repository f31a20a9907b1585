import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Reporter, TestCase, TestModule } from "vitest/node";

/**
 * A reporter that stops a test file which runs past a limit. A test's timeout cannot interrupt
 * synchronous code: a loop that never ends holds the worker, and with one worker on a 2-core
 * machine the whole run waits until CI's own deadline, printing nothing about where it hung.
 * This runs in vitest's main process, whose event loop stays free while a worker spins: it names
 * the file and the test that was running, leaves that note for the summary, kills the workers and
 * ends the run with a failure, so the other packages still run and the closing line is printed.
 */
export class HangWatchdog implements Reporter {
  private readonly running = new Map<string, { started: number; test?: string }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limitMs: number,
    private readonly noteFile: string | undefined,
  ) {}

  onTestRunStart(): void {
    this.timer = setInterval(() => this.check(), Math.min(15_000, this.limitMs / 4));
    this.timer.unref();
  }

  /** Vitest queues a file as it hands it to a worker: the clock then covers its import too. */
  onTestModuleQueued(module: TestModule): void {
    this.running.set(module.moduleId, { started: Date.now() });
  }

  onTestCaseReady(test: TestCase): void {
    const entry = this.running.get(test.module.moduleId);
    if (entry) entry.test = test.fullName;
  }

  onTestModuleEnd(module: TestModule): void {
    this.running.delete(module.moduleId);
  }

  onTestRunEnd(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private check(): void {
    const now = Date.now();
    for (const [file, entry] of this.running) {
      if (now - entry.started < this.limitMs) continue;
      const note =
        `${file} ran past ${Math.round(this.limitMs / 1000)} s` +
        (entry.test ? ` (last test started: "${entry.test}")` : "") +
        "; its run was stopped";
      console.error(`\nwatchdog: ${note}`);
      if (this.noteFile) writeFileSync(this.noteFile, `${note}\n`);
      killDescendants(process.pid);
      process.exit(1);
    }
  }
}

/** Every process below `root`, read from /proc (no procps needed), killed deepest first. */
function killDescendants(root: number): void {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The command name is in parentheses and may hold spaces: the parent pid follows the last ")".
      const stat = readFileSync(join("/proc", name, "stat"), "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(parent) ?? [];
      list.push(Number(name));
      children.set(parent, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      visit(child);
      try {
        process.kill(child, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  visit(root);
}
