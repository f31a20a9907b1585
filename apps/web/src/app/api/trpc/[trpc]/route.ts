import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { API_HEADERS } from "~/server/api-headers";
import { clientAddress, isSecureRequest, sameOrigin, sessionOf } from "~/server/request-context";
import { appRouter } from "~/server/routers/app";
import { getStore } from "~/server/store";
import { createContextInner } from "~/server/trpc";

export const dynamic = "force-dynamic";

async function handler(req: Request): Promise<Response> {
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

export { handler as GET, handler as POST };
