import type { Migration } from "kysely";
import * as m0001 from "./0001-init.js";
import { domainsAndAccounts } from "./0002-domains-accounts.js";
import { secureMail } from "./0003-secure-mail.js";
import { addressBooks } from "./0004-address-books.js";
import { mail } from "./0005-mail.js";
import { rulesAndJobs } from "./0006-rules-jobs.js";
import { webSessions } from "./0007-web-sessions.js";
import { composeDefaultsRuleOrder } from "./0008-compose-defaults-rule-order.js";
import { bulkRuns } from "./0009-bulk-runs.js";
import { chunkedBlobs } from "./0010-chunked-blobs.js";
import { jobBlobs } from "./0011-job-blobs.js";
import { storeMaintenance } from "./0012-store-maintenance.js";
import { chunkStorage } from "./0013-chunk-storage.js";
import type { Engine } from "./column-types.js";

const steps: ReadonlyArray<[name: string, make: (engine: Engine) => Migration]> = [
  ["0001-init", () => m0001],
  ["0002-domains-accounts", domainsAndAccounts],
  ["0003-secure-mail", secureMail],
  ["0004-address-books", addressBooks],
  ["0005-mail", mail],
  ["0006-rules-jobs", rulesAndJobs],
  ["0007-web-sessions", webSessions],
  ["0008-compose-defaults-rule-order", composeDefaultsRuleOrder],
  ["0009-bulk-runs", bulkRuns],
  ["0010-chunked-blobs", chunkedBlobs],
  ["0011-job-blobs", jobBlobs],
  ["0012-store-maintenance", storeMaintenance],
  ["0013-chunk-storage", chunkStorage],
];

/**
 * Every migration, in order, for one engine (the few type differences are decided in
 * column-types.ts). Names are zero-padded so lexical order is version order; the schema
 * version is the number of migrations applied. Append only: never edit or reorder a
 * migration that has shipped.
 */
export function migrationsFor(engine: Engine): Record<string, Migration> {
  return Object.fromEntries(steps.map(([name, make]) => [name, make(engine)]));
}

export const LATEST_SCHEMA_VERSION = steps.length;
