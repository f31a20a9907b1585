import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LATEST_SCHEMA_VERSION, openStore } from "@sealbox/store";
import { describe, expect, it } from "vitest";
import { createCallerFactory, createContextInner } from "../trpc";
import { appRouter } from "./app";

describe("system router", () => {
  it("reports the store's schema version", async () => {
    const base = mkdtempSync(join(tmpdir(), "sealbox-web-"));
    const store = await openStore(`sqlite:${join(base, "s.db")}`, { base });
    const caller = createCallerFactory(appRouter)(createContextInner(store));
    const info = await caller.system.info();
    expect(info).toMatchObject({ store: "sqlite", schemaVersion: LATEST_SCHEMA_VERSION });
    await store.close();
  });
});
