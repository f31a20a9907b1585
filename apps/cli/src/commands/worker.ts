import type { QueueStats } from "@sealbox/store";
import { command, group } from "../command.js";
import { flag } from "../options.js";
import { json } from "../support/output.js";
import { storeOption, withStore } from "../support/store.js";

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
const status = command({
  name: "worker status",
  options: { json: flag(), ...storeOption },
  notes:
    "The outgoing mail queue the workers drain: how many messages wait, are being handed to\n" +
    "the relay right now, have failed for good, and how many went out per minute (last 15).",
  async run({ options }, io) {
    return withStore(options.store, io, async (store) => {
      const status = statusJson(await store.jobs.stats(MINUTES));
      if (options.json) json(io, status);
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
  },
});

export const entry = group("worker", { status });
