import { SEALBOX_VERSION } from "@sealbox/core";
import { LATEST_SCHEMA_VERSION } from "@sealbox/store";
import { z } from "zod";
import { publicProcedure, router } from "../trpc";

export const systemRouter = router({
  info: publicProcedure
    .output(
      z.object({
        version: z.string(),
        store: z.enum(["sqlite", "postgres"]),
        schemaVersion: z.number(),
        latestSchemaVersion: z.number(),
      }),
    )
    .query(async ({ ctx }) => ({
      version: SEALBOX_VERSION,
      store: ctx.store.kind,
      schemaVersion: await ctx.store.schemaVersion(),
      latestSchemaVersion: LATEST_SCHEMA_VERSION,
    })),
});
