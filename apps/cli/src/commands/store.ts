import { defaultStoreUrl, openStore } from "@sealbox/store";
import { command, group } from "../command.js";
import { readCliEnv } from "../env.js";
import { flag } from "../options.js";

/** `sealbox store info [--json]`: which store is in use, and its schema version. */
const info = command({
  name: "store info",
  options: { json: flag() },
  async run({ options }, io) {
    const env = readCliEnv(io.env);
    const url = env.storeUrl ?? defaultStoreUrl(env.home);
    const store = await openStore(url, { base: env.home });
    try {
      const info = { kind: store.kind, schemaVersion: await store.schemaVersion(), home: env.home };
      io.stdout(
        options.json
          ? `${JSON.stringify(info)}\n`
          : `store: ${info.kind}\nschema version: ${info.schemaVersion}\ndata folder: ${info.home}\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
});

export const entry = group("store", { info });
