#!/usr/bin/env node
import { SEALBOX_VERSION } from "@sealbox/core";
import { cleanSpool, defaultStoreUrl, openStore } from "@sealbox/store";
import { ConfigError, readWorkerEnv } from "./env.js";
import { createLogger, storeLogger } from "./log.js";
import { startWorker } from "./worker.js";

/** Hard ceiling for a graceful stop (SIGTERM), under the 10 s `docker stop` gives before SIGKILL. */
const STOP_DEADLINE_MS = 9_000;
/** What in-hand work gets to finish before it is answered 421 / released. */
const STOP_GRACE_MS = 6_000;

async function main(): Promise<void> {
  const env = readWorkerEnv();
  const log = createLogger(env.logLevel);
  const storeUrl = env.storeUrl ?? defaultStoreUrl(env.home);
  const store = await openStore(storeUrl, {
    base: env.home,
    logger: storeLogger(log),
  });
  // What a crash left: spool files nobody can read (their keys died with the process) and
  // staged blobs of deliveries that never committed. The clients got no 250 and retry.
  const spool = await cleanSpool(env.home);
  const swept = await store.sweepStagedBlobs();
  if (spool.removed > 0 || swept > 0)
    log.warn({ spoolFiles: spool.removed, stagedBlobs: swept }, "removed what an interrupted delivery left");
  const { home: _home, storeUrl: _url, logLevel: _level, ...config } = env;
  const worker = await startWorker(store, config, log, {
    spoolDir: spool.dir,
    storeLocation: { url: storeUrl, base: env.home },
  });
  log.info(
    {
      version: SEALBOX_VERSION,
      store: store.kind,
      schemaVersion: await store.schemaVersion(),
      workerId: env.workerId,
      smtp: `${env.smtpHost}:${worker.smtpPort}`,
      tls: env.smtpTlsCert !== undefined,
      deliveryThread: worker.deliveryThread,
      relay: env.relay ? `${env.relay.host}:${env.relay.port}` : null,
    },
    "worker started",
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  log.info({ signal }, "worker stopping");
  const deadline = setTimeout(() => {
    log.error("stop deadline passed; exiting");
    process.exit(1);
  }, STOP_DEADLINE_MS);
  deadline.unref();
  await worker.stop(STOP_GRACE_MS);
  await store.close();
  log.info("worker stopped");
  // Sockets a client keeps half-open must not hold the process past the stop.
  process.exit(0);
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`sealbox-worker: ${message}\n`);
  process.exit(1);
});
