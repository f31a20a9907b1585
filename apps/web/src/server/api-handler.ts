import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { API_HEADERS } from "./api-headers";
import { clientAddress, isSecureRequest, sameOrigin, sessionOf } from "./request-context";
import { appRouter } from "./routers/app";
import { getStore } from "./store";
import { createContextInner } from "./trpc";

/**
 * The /api/trpc endpoint: the Next.js route (app/api/trpc/[trpc]/route.ts) and serve.mjs,
 * which answers API calls itself without Next's routing (build-api.mjs bundles this file at
 * build time), both call this one function, so both give the same answer.
 */
export async function handleTrpcRequest(req: Request): Promise<Response> {
  if (req.method !== "GET" && !sameOrigin(req))
    return Response.json({ error: "cross-site request refused" }, { status: 403, headers: API_HEADERS });
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async ({ resHeaders }) => {
      const store = await getStore();
      const { token, session } = await sessionOf(store, req.headers);
      return createContextInner(store, {
        sessionToken: token,
        session,
        csrfToken: req.headers.get("x-sealbox-csrf"),
        client: clientAddress(req.headers),
        secure: isSecureRequest(req.headers, req.url),
        setCookie: (cookie) => resHeaders.append("set-cookie", cookie),
      });
    },
    responseMeta: () => ({ headers: API_HEADERS }),
  });
}

export { API_HEADERS };
