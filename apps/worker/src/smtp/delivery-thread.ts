import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { openStore, SpooledMessage, type SpoolLocation, type Store, type StoreLogger } from "@sealbox/store";
import { errorFields, type Logger } from "../log.js";
import {
  type Deliver,
  type DeliveryLogLine,
  type DeliveryOutcome,
  type DeliveryRequest,
  deliverSpooled,
} from "./deliver-spooled.js";

/**
 * The delivery thread. One event loop did everything for a message — the SMTP dialogue and
 * the spool, then parsing, rules, Store Encrypted and the store's writes and commit — and
 * was busy all the time under load while the machine's other core waited. The worker now
 * keeps SMTP on its main thread and stores in this one, with its own store connection (the
 * group commit of concurrent deliveries happens here). A message crosses as its spool
 * location: the bytes of a small one, or the file and its key (the key stays in this process
 * and is zeroed after use). If the thread dies, each message it held is answered 451 (nothing
 * was committed for it: the commit is the last step) and the next message starts a new one.
 */

interface ThreadData {
  sealboxDeliveryThread: true;
  url: string;
  base: string;
}

type ToThread =
  | {
      type: "deliver";
      id: number;
      request: DeliveryRequest;
      location: SpoolLocation;
      head: Uint8Array;
      size: number;
    }
  | { type: "close" };

type FromThread =
  | { type: "ready" }
  | { type: "open-failed"; error: Record<string, unknown> }
  | { type: "done"; id: number; outcome: DeliveryOutcome }
  | { type: "failed"; id: number; error: Record<string, unknown> }
  | { type: "log"; line: DeliveryLogLine };

interface Waiter {
  resolve: (outcome: DeliveryOutcome) => void;
  reject: (error: Error) => void;
}

interface Instance {
  ready: Promise<Worker>;
  pending: Map<number, Waiter>;
  dead: boolean;
}

export interface DeliveryThread {
  deliver: Deliver;
  /** Waits for the messages in hand (the listener's grace period bounds that), then ends the thread. */
  close(): Promise<void>;
  /** Ends the thread at once, as a crash would: the messages in hand fail; the next one starts a new thread. */
  terminate(): Promise<void>;
}

/** Starts the thread; resolves once its store is open (a store that cannot open rejects). */
export async function startDeliveryThread(options: {
  url: string;
  base: string;
  log: Logger;
}): Promise<DeliveryThread> {
  const { log } = options;
  let nextId = 1;
  let closing = false;
  /** The thread now serving; each thread settles only the messages it was given. */
  let current: Instance | undefined;

  const start = (): Instance => {
    const pending = new Map<number, Waiter>();
    const ready = new Promise<Worker>((resolve, reject) => {
      const data: ThreadData = { sealboxDeliveryThread: true, url: options.url, base: options.base };
      // No flags of the parent's (a test runner's resolve conditions would point it at sources).
      const worker = new Worker(new URL(import.meta.url), { workerData: data, execArgv: [] });
      worker.on("message", (m: FromThread) => {
        if (m.type === "ready") resolve(worker);
        else if (m.type === "open-failed")
          reject(new Error(`the delivery thread could not open the store: ${m.error.error}`));
        else if (m.type === "log") log[m.line.level](m.line.fields, m.line.message);
        else {
          const waiter = pending.get(m.id);
          pending.delete(m.id);
          if (m.type === "done") waiter?.resolve(m.outcome);
          else
            waiter?.reject(
              Object.assign(new Error(String(m.error.error)), { name: String(m.error.errorName ?? "Error") }),
            );
        }
      });
      // 'error' is followed by 'exit': the first one counts.
      const died = (why: string) => {
        if (instance.dead) return;
        instance.dead = true;
        reject(new Error(why)); // no effect once it was ready
        if (current === instance) current = undefined;
        if (!closing) log.error({ inHand: pending.size }, why);
        for (const waiter of pending.values()) waiter.reject(new Error(why));
        pending.clear();
      };
      worker.on("error", (error) => died(`the delivery thread failed: ${error.message}`));
      worker.on("exit", (code) => died(`the delivery thread exited (${code})`));
    });
    // The events above come later, when this is set.
    const instance: Instance = { ready, pending, dead: false };
    return instance;
  };

  current = start();
  await current.ready;

  return {
    async deliver(request, message) {
      current ??= start();
      const instance = current;
      const worker = await instance.ready;
      if (instance.dead) throw new Error("the delivery thread stopped");
      const location = message.location();
      const id = nextId++;
      const outcome = new Promise<DeliveryOutcome>((resolve, reject) =>
        instance.pending.set(id, { resolve, reject }),
      );
      const send: ToThread = {
        type: "deliver",
        id,
        request,
        location,
        head: message.head,
        size: message.size,
      };
      worker.postMessage(send);
      // Our copy of the key (location() made one for the message's trip).
      if ("key" in location) location.key.fill(0);
      return outcome;
    },
    async terminate() {
      const worker = await current?.ready.catch(() => undefined);
      await worker?.terminate();
    },
    async close() {
      closing = true;
      const worker = await current?.ready.catch(() => undefined);
      if (!worker) return;
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.postMessage({ type: "close" } satisfies ToThread);
      await exited;
    },
  };
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

async function threadMain(data: ThreadData): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const post = (m: FromThread) => port.postMessage(m);
  const logger: StoreLogger = {
    info: (fields, message) =>
      post({ type: "log", line: { level: "info", fields: { component: "store", ...fields }, message } }),
    warn: (fields, message) =>
      post({ type: "log", line: { level: "warn", fields: { component: "store", ...fields }, message } }),
  };
  let store: Store;
  try {
    // This connection takes the worker's write load: WAL checkpoints run beside it, not in its commits.
    store = await openStore(data.url, { base: data.base, logger, walCheckpoints: "background" });
  } catch (error) {
    post({ type: "open-failed", error: errorFields(error) });
    return;
  }
  const inHand = new Set<Promise<void>>();
  port.on("message", (m: ToThread) => {
    if (m.type === "close") {
      void Promise.all(inHand).then(async () => {
        await store.close();
        port.close();
      });
      return;
    }
    // Buffers arrive as plain Uint8Arrays.
    const location: SpoolLocation =
      "key" in m.location
        ? { path: m.location.path, key: asBuffer(m.location.key) }
        : { bytes: asBuffer(m.location.bytes) };
    const message = new SpooledMessage(location, m.head, m.size);
    const work = deliverSpooled(store, m.request, message).then(
      (outcome) => post({ type: "done", id: m.id, outcome }),
      (error: unknown) => post({ type: "failed", id: m.id, error: errorFields(error) }),
    );
    const tracked = work.finally(() => {
      inHand.delete(tracked);
      if ("key" in location) location.key.fill(0);
    });
    inHand.add(tracked);
  });
  post({ type: "ready" });
}

if (!isMainThread && (workerData as ThreadData | undefined)?.sealboxDeliveryThread)
  void threadMain(workerData as ThreadData);
