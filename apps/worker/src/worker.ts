import { readFileSync } from "node:fs";
import { DEFAULT_BACKOFF, retryDelay, type Store } from "@sealbox/store";
import type { WorkerEnv } from "./env.js";
import { errorFields, type Logger } from "./log.js";
import { type RelayConsumers, startRelayConsumers } from "./outgoing/relay-consumer.js";
import { type RelayTransport, relayTransport } from "./outgoing/relay-transport.js";
import { startDeliveryThread } from "./smtp/delivery-thread.js";
import { type SmtpListener, startSmtpListener } from "./smtp/smtp-listener.js";

export type WorkerConfig = Omit<WorkerEnv, "home" | "storeUrl" | "logLevel">;

/**
 * How often a running worker removes staged blobs of deliveries that died (store's
 * sweepStagedBlobs: older than its grace age). Start-up sweeps too; this keeps a long-running
 * worker from holding a crashed peer's staged copies (up to 64 MiB × recipients) for days.
 */
export const STAGED_SWEEP_EVERY_MS = 10 * 60_000;

export interface RunningWorker {
  readonly smtpPort: number;
  readonly smtp: SmtpListener;
  readonly relay: RelayConsumers | undefined;
  /** Whether accepted messages are stored in the delivery thread. */
  readonly deliveryThread: boolean;
  /**
   * Graceful stop (SIGTERM): stop accepting, let in-flight SMTP transactions and relay sends
   * finish within `graceMs`, answer 421 to the rest and put unfinished jobs back in the queue.
   * The store stays open (the caller closes it).
   */
  stop(graceMs: number): Promise<void>;
}

/** Starts the SMTP listener and, when a relay is configured, the outgoing queue consumers. */
export async function startWorker(
  store: Store,
  config: WorkerConfig,
  log: Logger,
  deps: {
    transport?: RelayTransport;
    now?: () => number;
    isLoopback?: (remoteAddress: string) => boolean;
    /** The DATA spool folder (main.ts: `<data folder>/spool`, emptied by cleanSpool first). */
    spoolDir?: string;
    /** Default STAGED_SWEEP_EVERY_MS (tests shorten it). */
    stagedSweepEveryMs?: number;
    /**
     * Where the store is, for the delivery thread to open its own connection (main.ts; only
     * when config.smtpDeliveryThread says so, or by engine when unset). Without it messages are
     * stored on the SMTP thread.
     */
    storeLocation?: { url: string; base: string };
  } = {},
): Promise<RunningWorker> {
  const deliveryThread =
    deps.storeLocation && (config.smtpDeliveryThread ?? store.kind === "sqlite")
      ? await startDeliveryThread({ ...deps.storeLocation, log: log.child({ component: "smtp" }) })
      : undefined;
  const tls =
    config.smtpTlsCert && config.smtpTlsKey
      ? { cert: readFileSync(config.smtpTlsCert), key: readFileSync(config.smtpTlsKey) }
      : undefined;
  const smtp = await startSmtpListener({
    store,
    log: log.child({ component: "smtp" }),
    host: config.smtpHost,
    port: config.smtpPort,
    name: config.smtpName,
    maxBytes: config.smtpMaxBytes,
    tls,
    allowLoopbackAuth: config.smtpAllowLoopbackAuth,
    greetPauseMs: config.smtpGreetPauseMs,
    limits: {
      maxClients: config.smtpMaxClients,
      maxClientsPerAddress: config.smtpMaxClientsPerAddress,
      commandTimeoutMs: config.smtpCommandTimeoutMs,
      dataTimeoutMs: config.smtpDataTimeoutMs,
    },
    ...(deps.isLoopback ? { isLoopback: deps.isLoopback } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.spoolDir ? { spoolDir: deps.spoolDir } : {}),
    ...(deliveryThread ? { deliver: deliveryThread.deliver } : {}),
  });
  const transport =
    deps.transport ?? (config.relay ? relayTransport(config.relay, config.smtpName) : undefined);
  if (!transport) log.warn("no relay configured (SEALBOX_RELAY_HOST): outgoing mail stays queued");
  const policy = { baseMs: config.relayRetryBaseMs, capMs: DEFAULT_BACKOFF.capMs };
  const relay = transport
    ? startRelayConsumers({
        store,
        log: log.child({ component: "relay" }),
        transport,
        workerId: config.workerId,
        concurrency: config.relayConcurrency,
        leaseMs: config.relayLeaseMs,
        pollMs: config.relayPollMs,
        reportingMta: config.smtpName,
        retryDelay: (attempts) => retryDelay(attempts, Math.random, policy),
        ...(deps.now ? { now: deps.now } : {}),
      })
    : undefined;
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweeper = setInterval(() => {
    sweeping = store.sweepStagedBlobs().then(
      (removed) => {
        if (removed > 0) log.warn({ stagedBlobs: removed }, "removed staged copies of deliveries that died");
      },
      (error: unknown) => log.warn(errorFields(error), "staged blob sweep failed; the next one retries"),
    );
  }, deps.stagedSweepEveryMs ?? STAGED_SWEEP_EVERY_MS);
  sweeper.unref();
  return {
    smtpPort: smtp.port,
    smtp,
    relay,
    deliveryThread: deliveryThread !== undefined,
    async stop(graceMs) {
      clearInterval(sweeper);
      await Promise.all([smtp.close(graceMs), relay?.stop(graceMs), sweeping]);
      await deliveryThread?.close();
    },
  };
}
