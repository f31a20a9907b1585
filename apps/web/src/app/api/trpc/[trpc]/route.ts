import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/server/routers/app";
import { getStore } from "~/server/store";
import { createContextInner } from "~/server/trpc";

export const dynamic = "force-dynamic";

async function handler(req: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => createContextInner(await getStore()),
  });
}

export { handler as GET, handler as POST };
