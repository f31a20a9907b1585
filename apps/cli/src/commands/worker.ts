import type { QueueStats } from "@sealbox/store";
import { hasFlag, parseArgs } from "../args.js";
import { UsageError } from "../errors.js";
import { type CliIo, json, processIo, withStore } from "./cli-store.js";

const USAGE = `usage: sealbox worker status [--json] [--store URL]
  The outgoing mail queue the workers drain: how many messages wait, are being handed to
  the relay right now, have failed for good, and how many went out per minute (last 15).`;

const MINUTES = 15;

/** The public JSON shape of `sealbox worker status --json` (add fields freely, never rename). */
export function statusJson(stats: QueueStats) {
  const perMinute = stats.completedPerMinute.map((m) => ({
    minute: new Date(m.minute).toISOString(),
    count: m.count,
  }));
  return {
    /** Queued and waiting (due now or retrying later). */
    queueDepth: stats.queued,
    /** Of those, due now. */
    due: stats.due,
    /** Leased by a worker right now. */
    inFlight: stats.inFlight,
    /** Queued again after a failed attempt. */
    retrying: stats.retrying,
    /** Dead: failed for good or out of attempts (the sender got a bounce). */
    failed: stats.dead,
    /** Handed to the relay in the current minute. */
    deliveredPerMinute: perMinute[perMinute.length - 1]?.count ?? 0,
    /** The last 15 minutes, oldest first. */
    perMinute,
    deliveredLast15Minutes: perMinute.reduce((n, m) => n + m.count, 0),
  };
}

/** `sealbox worker status [--json]`. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "status") throw new UsageError(USAGE);
  const args = parseArgs(rest, { store: "string", json: "boolean" }, USAGE);
  if (args.positionals.length > 0) throw new UsageError(USAGE);
  return withStore(args, USAGE, io, async (store) => {
    const status = statusJson(await store.jobs.stats(MINUTES));
    if (hasFlag(args, "json")) json(io, status);
    else
      io.stdout(
        `queue depth:  ${status.queueDepth} (${status.due} due now, ${status.retrying} retrying)\n` +
          `in flight:    ${status.inFlight}\n` +
          `failed:       ${status.failed}\n` +
          `delivered:    ${status.deliveredPerMinute} this minute, ${status.deliveredLast15Minutes} in the last ${MINUTES} minutes\n` +
          `per minute:   ${status.perMinute.map((m) => m.count).join(" ")}\n`,
      );
    return 0;
  });
}
