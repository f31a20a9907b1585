import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BlobStore, type Store, tableBlobStore } from "@sealbox/store";
import { afterAll, beforeAll, expect, it } from "vitest";
import { captureLogger, openTestStore, testConfig } from "../test/harness.js";
import { startWorker } from "./worker.js";

let home: string;
let store: Store;
const sweeps: number[] = [];

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "sealbox-staged-sweep-"));
  // The table blob store, counting the sweeps the running worker asks for.
  const blobs: BlobStore = {
    ...tableBlobStore,
    async sweepStaged(db, before) {
      sweeps.push(before);
      return tableBlobStore.sweepStaged(db, before);
    },
  };
  store = await openTestStore({ url: "sqlite:sealbox.db", base: home }, { blobs });
});
afterAll(async () => {
  await store?.close();
  rmSync(home, { recursive: true, force: true });
});

it("a running worker sweeps staged blobs of dead deliveries now and then, and stops when it stops", async () => {
  const atOpen = sweeps.length;
  const worker = await startWorker(store, testConfig(), captureLogger("info").log, {
    stagedSweepEveryMs: 50,
  });
  await new Promise((r) => setTimeout(r, 400));
  await worker.stop(100);
  const whileRunning = sweeps.length - atOpen;
  expect(whileRunning).toBeGreaterThanOrEqual(3);
  await new Promise((r) => setTimeout(r, 200));
  expect(sweeps.length - atOpen).toBe(whileRunning);
});
