import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { StoreLogger } from "./logger.js";

/**
 * WAL checkpoints on a thread of their own, for the connection that takes the heavy write
 * load (the worker's delivery thread).
 *
 * Why: in WAL mode the connection whose commit takes the WAL past `wal_autocheckpoint` pages
 * (1000 by default) copies the WAL into the database file and fsyncs both, inside that
 * commit. Under SMTP load that was about a tenth of the delivery thread's CPU plus an fsync
 * stall every ~4 MB, during which no message of any session was stored. Here a second
 * connection on its own thread runs PASSIVE checkpoints (they wait for no writer or reader,
 * and block none; only another checkpoint starting meanwhile, such as the store's TRUNCATE
 * after a delete, finds the checkpoint lock taken and retries) while the writer goes on. The
 * writer's own threshold is raised to BACKSTOP_CHECKPOINT_PAGES: SQLite rewinds the WAL only
 * when a write begins with every frame copied, which a checkpoint racing a busy writer may not
 * reach for a while, and the writer's own checkpoint (which this thread's, lasting
 * milliseconds, rarely meets) then bounds it, as it does if this thread stops.
 *
 * Durability is unchanged: a checkpoint syncs the WAL before it copies a frame into the
 * database file and syncs the file after (the checkpointing connection runs synchronous=FULL).
 */

/** How often a WAL that is growing is checkpointed. */
export const CHECKPOINT_EVERY_MS = 10;
/** An idle WAL is looked at less and less often, down to this. */
export const CHECKPOINT_IDLE_MS = 250;
/** The writer's own checkpoint threshold (pages) while this runs: about 16 MB of WAL. */
export const BACKSTOP_CHECKPOINT_PAGES = 4096;
/** A failing checkpoint (full disk, I/O error) is logged at most this often. */
const FAILURE_LOG_EVERY_MS = 60_000;

export interface WalCheckpointer {
  /** Stops the thread and closes its connection. */
  close(): Promise<void>;
}

interface ThreadData {
  driver: string;
  path: string;
  everyMs: number;
  idleMs: number;
  failureLogEveryMs: number;
}

type FromThread =
  | { type: "ready" }
  | { type: "failed"; code: string | undefined; error: string }
  | { type: "closed" };

// Evaluated as CommonJS in the thread, so it runs the same from sources (tests) and from dist.
const THREAD_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
// Never wait: a PASSIVE checkpoint that finds another one running just reports busy.
db.pragma("busy_timeout = 0");
db.pragma("synchronous = FULL");
let delay = workerData.everyMs;
let last = "";
// Changes whenever another connection commits: a WAL rewound to the same size is not "idle".
const version = db.prepare("pragma data_version").pluck();
let loggedAt = 0;
let timer;
const tick = () => {
  try {
    const [result] = db.pragma("wal_checkpoint(PASSIVE)");
    const seen = version.get() + "/" + result.log + "/" + result.checkpointed;
    delay = seen === last ? Math.min(delay * 2, workerData.idleMs) : workerData.everyMs;
    last = seen;
  } catch (error) {
    const now = Date.now();
    // Busy (another process recovering the WAL, a schema change): the next turn retries.
    const busy = String(error && error.code).startsWith("SQLITE_BUSY");
    if (!busy && now - loggedAt >= workerData.failureLogEveryMs) {
      loggedAt = now;
      parentPort.postMessage({ type: "failed", code: error && error.code, error: String(error && error.message) });
    }
    delay = workerData.idleMs;
  }
  timer = setTimeout(tick, delay);
};
parentPort.on("message", (message) => {
  if (message !== "close") return;
  clearTimeout(timer);
  db.close();
  parentPort.postMessage({ type: "closed" });
  parentPort.close();
});
timer = setTimeout(tick, delay);
parentPort.postMessage({ type: "ready" });
`;

/**
 * Starts checkpointing the WAL of the SQLite database at `path` (which must exist) from a
 * thread. Resolves once the thread's connection is open; a thread that cannot open it
 * rejects, and the writer's own backstop checkpoints keep the WAL bounded.
 */
export async function startWalCheckpointer(
  path: string,
  logger: StoreLogger,
  options: { everyMs?: number; idleMs?: number } = {},
): Promise<WalCheckpointer> {
  const data: ThreadData = {
    driver: createRequire(import.meta.url).resolve("better-sqlite3"),
    path,
    everyMs: options.everyMs ?? CHECKPOINT_EVERY_MS,
    idleMs: options.idleMs ?? CHECKPOINT_IDLE_MS,
    failureLogEveryMs: FAILURE_LOG_EVERY_MS,
  };
  // No flags of the parent's (a test runner's loader hooks have no business here). Like the
  // store's connections it keeps the process alive until the store is closed.
  const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: data, execArgv: [] });
  let running = true;
  const exited = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      running = false;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    // An exit before "ready" (and before any error event) would otherwise leave the open waiting.
    void exited.then(() => reject(new Error("the WAL checkpoint thread could not start: it exited")));
    worker.on("message", (message: FromThread) => {
      if (message.type === "ready") resolve();
      else if (message.type === "failed")
        logger.warn(
          { code: message.code ?? null, error: message.error },
          "background WAL checkpoint failed; the next one retries",
        );
    });
    worker.once("error", (error) => {
      running = false;
      reject(new Error(`the WAL checkpoint thread could not start: ${error.message}`));
      logger.warn(
        { error: error.message },
        "background WAL checkpoints stopped; the writer checkpoints itself",
      );
    });
  });
  return {
    async close() {
      if (!running) return;
      running = false;
      worker.postMessage("close");
      await exited;
    },
  };
}
