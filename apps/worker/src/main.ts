#!/usr/bin/env node
import { SEALBOX_VERSION } from "@sealbox/core";
import { defaultStoreUrl, openStore } from "@sealbox/store";
import { pino } from "pino";
import { readWorkerEnv } from "./env.js";

/** Hard ceiling for a graceful stop (SIGTERM): in-hand work is finished or released before it. */
const STOP_DEADLINE_MS = 8_000;

async function main(): Promise<void> {
  const env = readWorkerEnv();
  const log = pino({ level: env.logLevel, base: { service: "sealbox-worker" } });
  const store = await openStore(env.storeUrl ?? defaultStoreUrl(env.home), { base: env.home });
  log.info(
    { version: SEALBOX_VERSION, store: store.kind, schemaVersion: await store.schemaVersion() },
    "worker started",
  );

  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  const keepAlive = setInterval(() => {}, 60_000);
  const signal = await stopped;
  log.info({ signal }, "worker stopping");
  const deadline = setTimeout(() => {
    log.error("stop deadline passed; exiting");
    process.exit(1);
  }, STOP_DEADLINE_MS);
  deadline.unref();
  clearInterval(keepAlive);
  await store.close();
  log.info("worker stopped");
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sealbox-worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
