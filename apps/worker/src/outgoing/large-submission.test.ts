import { randomBytes } from "node:crypto";
import { BLOB_CHUNK_BYTES, type BlobStore, type Store, tableBlobStore } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import {
  captureLogger,
  openTestStore,
  type SinkMessage,
  smtpSend,
  startSink,
  storedMessages,
  testConfig,
  waitFor,
} from "../../test/harness.js";
import { type RunningWorker, startWorker } from "../worker.js";

/** What the blob store is handed to run its queries on (the store keeps its database to itself). */
type Executor = Parameters<BlobStore["get"]>[0];

/** About 3 MiB of 76-column lines: a message of several blob chunks. */
function largeMessage(marker: string): Buffer {
  const head = `From: Alice <alice@local.test>\r\nTo: bob@local.test, far@remote.example\r\nSubject: large out\r\n\r\n`;
  const lines: string[] = [];
  for (let i = 0; lines.length * 78 < 3 * BLOB_CHUNK_BYTES; i++)
    lines.push(`${marker} ${String(i).padStart(8, "0")} ${randomBytes(24).toString("base64")}`);
  // A line starting with a dot must come out unchanged (dot-stuffing both ways).
  lines.push(".a dotted line");
  return Buffer.from(`${head}${lines.join("\r\n")}\r\n`);
}

/**
 * An authenticated submission of several blob chunks to a remote recipient: the job row holds
 * only its envelope, the relay consumer streams the job's blob to the relay, and the blob goes
 * when the job completes. The store used by the listener and the consumer refuses to read or
 * write any blob over one chunk whole, so neither can hold the message in memory that way.
 */
describe.each(backends)("a large authenticated submission relayed on $name", (backend) => {
  let store: Store;
  let reader: Store;
  let worker: RunningWorker;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let cleanup: () => Promise<void>;
  const logs = captureLogger("info");
  /** Blobs the consumer streamed, with the executor it read them on. */
  const reads: Array<{ q: Executor; id: string }> = [];
  let refusals = 1;

  beforeAll(async () => {
    const target = await backend.fresh();
    const wholeOverOneChunk = () => {
      throw new Error("a message over one chunk was read or written whole");
    };
    const blobs: BlobStore = {
      ...tableBlobStore,
      async get(q, id) {
        if ((await tableBlobStore.size(q, id)) > BLOB_CHUNK_BYTES) wholeOverOneChunk();
        return tableBlobStore.get(q, id);
      },
      put: (q, bytes, now) =>
        bytes.byteLength > BLOB_CHUNK_BYTES ? wholeOverOneChunk() : tableBlobStore.put(q, bytes, now),
      read(q, id) {
        reads.push({ q, id });
        return tableBlobStore.read(q, id);
      },
    };
    store = await openTestStore(target, { blobs });
    reader = await openTestStore(target);
    await store.domains.add("local.test");
    await store.accounts.add("alice@local.test", { password: "alice-password" });
    await store.accounts.add("bob@local.test", { password: "bob-password" });
    // The relay defers the first attempt: the job goes back to the queue with its payload.
    sink = await startSink({
      data: (m: SinkMessage) =>
        m.to.includes("far@remote.example") && refusals-- > 0
          ? { code: 451, text: "4.3.0 later" }
          : undefined,
    });
    worker = await startWorker(
      store,
      testConfig({
        smtpAllowLoopbackAuth: true,
        relay: { host: "127.0.0.1", port: sink.port, user: undefined, password: undefined, tls: "off" },
      }),
      logs.log,
    );
    cleanup = async () => {
      await worker.stop(2_000);
      await sink.close();
      await reader.close();
      await store.close();
      await target.cleanup();
    };
  }, 60_000);
  afterAll(() => cleanup());

  /** The job id of the first relay log line with this message. */
  const jobLogged = (msg: string) =>
    logs.lines.map((l) => JSON.parse(l) as { msg: string; job?: string }).find((l) => l.msg === msg)?.job;

  it("reaches the relay byte for byte, the job row holds only the envelope, and its blob goes on completion", async () => {
    const raw = largeMessage(`OUT-${randomBytes(6).toString("hex")}`);
    const sent = await smtpSend(
      worker.smtpPort,
      { from: "alice@local.test", to: ["bob@local.test", "far@remote.example"], raw },
      { auth: { user: "alice@local.test", pass: "alice-password" }, socketTimeoutMs: 120_000 },
    );
    expect(sent).toMatchObject({ ok: true, code: 250 });

    // Deferred once: the queued job is in hand with its payload.
    const id = await waitFor(() => jobLogged("relay deferred"), 30_000, "the first attempt to be deferred");
    const queued = await store.jobs.get(id);
    expect(queued?.blobId).toBeTruthy();
    expect(queued?.payload?.byteLength).toBeLessThan(1024);
    const blobId = queued?.blobId as string;

    await waitFor(async () => (await store.jobs.get(id))?.state === "done", 60_000, "the job to complete");
    const relayed = sink.received.filter((m) => m.to.includes("far@remote.example"));
    expect(relayed).toHaveLength(1);
    expect(relayed[0]).toMatchObject({ from: "alice@local.test", to: ["far@remote.example"] });
    // The relayed bytes are the stored bytes: the listener's Received: field, then the client's message.
    const bob = await reader.accounts.require("bob@local.test");
    const [local] = (await storedMessages(reader, bob.id)).filter((m) => m.subject === "large out");
    expect(local?.raw.length).toBeGreaterThan(raw.length);
    expect(relayed[0]?.raw.equals(local?.raw as Buffer)).toBe(true);
    expect(local?.raw.subarray(local.raw.length - raw.length).equals(raw)).toBe(true);

    // Both attempts streamed the job's blob; completing the job removed it with the payload.
    const streamed = reads.filter((r) => r.id === blobId);
    expect(streamed.length).toBeGreaterThanOrEqual(2);
    expect(await store.jobs.get(id)).toMatchObject({ payload: null, blobId: null });
    await expect(tableBlobStore.size(streamed[0]?.q as Executor, blobId)).rejects.toMatchObject({
      code: "not-found",
    });
  }, 180_000);
});
