import type { Kysely, Migration } from "kysely";

/**
 * A job may own one message blob (`jobs.blob_id`): an outgoing message larger than one blob
 * chunk is kept in chunks beside the job instead of whole in its payload, so a 64 MiB
 * submission is neither one 64 MiB row nor 64 MiB of a worker's memory. The blob goes with
 * the payload when the job completes. Jobs queued before keep their bytes inline (null here).
 */
export function jobBlobs(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("jobs").addColumn("blob_id", "text").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("jobs").dropColumn("blob_id").execute();
    },
  };
}
