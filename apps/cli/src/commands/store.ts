import { defaultStoreUrl, openStore } from "@sealbox/store";
import { readCliEnv } from "../env.js";
import { UsageError } from "../errors.js";

/** `sealbox store info [--json]`: which store is in use, and its schema version. */
export async function run(args: string[]): Promise<number> {
  const [sub, ...flags] = args;
  if (sub !== "info") throw new UsageError(`usage: sealbox store info [--json]`);
  const json = flags.includes("--json");
  const env = readCliEnv();
  const url = env.storeUrl ?? defaultStoreUrl(env.home);
  const store = await openStore(url, { base: env.home });
  try {
    const info = { kind: store.kind, schemaVersion: await store.schemaVersion(), home: env.home };
    process.stdout.write(
      json
        ? `${JSON.stringify(info)}\n`
        : `store: ${info.kind}\nschema version: ${info.schemaVersion}\ndata folder: ${info.home}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
