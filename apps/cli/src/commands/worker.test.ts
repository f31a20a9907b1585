import { join } from "node:path";
import { openStore, silentLogger } from "@sealbox/store";
import { describe, expect, it } from "vitest";
import { cli, tempHome } from "../test-support/run-cli.js";

describe("sealbox worker status", () => {
  it("reports queue depth, in flight, failed and delivered per minute as JSON", async () => {
    const home = tempHome();
    const store = await openStore(`sqlite:${join(home, "sealbox.db")}`, { base: home, logger: silentLogger });
    try {
      const out = (n: number, options: { runAt?: number; maxAttempts?: number } = {}) =>
        store.queueOutgoing(
          {
            envelopeFrom: "a@x.test",
            recipients: [`r${n}@y.test`],
            raw: Buffer.from("Subject: s\r\n\r\nb\r\n"),
          },
          options,
        );
      // Distinct past run times: jobs made in one millisecond would be claimed in id order,
      // which is random within that millisecond.
      const past = Date.now() - 60_000;
      for (let i = 0; i < 3; i++) await out(i, { runAt: past + i });
      await out(3, { maxAttempts: 1, runAt: past + 3 });
      await out(4, { runAt: Date.now() + 3_600_000 });
      // Two delivered, one dead (out of attempts), one leased now, one due, one waiting an hour.
      for (let i = 0; i < 2; i++) {
        const job = await store.jobs.claim("w", 60_000);
        if (job) await store.jobs.complete(job);
      }
      const last = await store.jobs.claim("w", 60_000); // r2: stays in flight
      const dying = await store.jobs.claim("w", 60_000); // r3: maxAttempts 1
      if (dying) await store.jobs.fail(dying, "550 no");
      expect(last).not.toBeNull();
    } finally {
      await store.close();
    }
    const status = await cli(home, ["worker", "status", "--json"]);
    expect(status.code).toBe(0);
    const body = JSON.parse(status.stdout);
    expect(body).toMatchObject({
      queueDepth: 1,
      due: 0,
      inFlight: 1,
      failed: 1,
      deliveredPerMinute: expect.any(Number),
      deliveredLast15Minutes: 2,
    });
    expect(body.perMinute).toHaveLength(15);
    expect(body.perMinute.at(-1)).toEqual({
      minute: expect.stringMatching(/:00\.000Z$/),
      count: body.deliveredPerMinute,
    });
    // At a minute boundary the two completions may fall either side; together they are both there.
    expect(body.perMinute.at(-1).count + body.perMinute.at(-2).count).toBe(2);

    const human = await cli(home, ["worker", "status"]);
    expect(human.stdout).toContain("queue depth:  1 (0 due now, 0 retrying)");
    expect((await cli(home, ["worker", "stats"])).code).toBe(2);
  });
});
