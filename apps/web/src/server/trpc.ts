import type { SignedInSession, Store } from "@sealbox/store";
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { appCodeOf, storeFieldErrors, toTrpcError } from "./errors";

/**
 * Built without a request, so tests call routers directly with createCaller: the route
 * handler resolves the cookie and headers into these fields.
 */
export interface Context {
  store: Store;
  /** The session token from the cookie (never logged, never returned). */
  sessionToken: string | null;
  session: SignedInSession | null;
  /** The anti-CSRF token the request carried (header x-sealbox-csrf). */
  csrfToken: string | null;
  /** The client's network address, for the login guard. */
  client: string;
  /** Served over HTTPS: the session cookie gets Secure. */
  secure: boolean;
  /** Adds a Set-Cookie header to the response. */
  setCookie(cookie: string): void;
}

export function createContextInner(store: Store, fields: Partial<Omit<Context, "store">> = {}): Context {
  return {
    store,
    sessionToken: null,
    session: null,
    csrfToken: null,
    client: "unknown",
    secure: false,
    setCookie: () => {},
    ...fields,
  };
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    // One place maps errors for the web boundary; stacks never reach the browser.
    const { stack: _stack, ...data } = shape.data;
    const fieldErrors =
      error.cause instanceof ZodError ? zodFieldErrors(error.cause) : storeFieldErrors(error);
    return {
      ...shape,
      message: error.cause instanceof ZodError ? "Some fields are not valid." : shape.message,
      data: { ...data, appCode: appCodeOf(error), fieldErrors },
    };
  },
});

/**
 * Zod's messages keyed by the whole path ("rule.conditions.0.value") so a form can show each
 * at the field it is about, and also by the first segment ("rule"), as forms with one field
 * per top-level input read them.
 */
function zodFieldErrors(error: ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String);
    const keys = new Set([path.join("."), path[0] ?? ""]);
    for (const key of keys) out[key] = [...(out[key] ?? []), issue.message];
  }
  return out;
}

/** Every procedure: expected failures keep their code and sentence; bugs are logged and hidden. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && !(result.error.cause instanceof ZodError)) {
    const mapped = toTrpcError(result.error.cause ?? result.error);
    if (mapped !== result.error) throw mapped;
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapErrors);

/**
 * Signed in: a live session of an enabled account. State-changing calls must also carry the
 * session's anti-CSRF token (a page of another site can make the browser send the cookie,
 * but cannot read the token).
 */
export const authedProcedure = publicProcedure.use(({ ctx, type, next }) => {
  if (!ctx.session || !ctx.sessionToken)
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
  if (type === "mutation" && ctx.csrfToken !== ctx.session.csrf)
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "The request did not carry this session's anti-CSRF token.",
    });
  return next({ ctx: { ...ctx, session: ctx.session, sessionToken: ctx.sessionToken } });
});

/** Secure Mail procedures: S/MIME must be on for the account and its domain. */
export const smimeProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!ctx.session.account.smimeEnabled)
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "Secure Mail is switched off for this account or its domain.",
    });
  return next();
});

/**
 * Administration: a server administrator, or a domain administrator — whom every admin
 * procedure then keeps to their own domain and its accounts (routers/admin-scope.ts).
 */
export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  const role = ctx.session.account.role;
  if (role !== "server-admin" && role !== "domain-admin")
    throw new TRPCError({ code: "FORBIDDEN", message: "Only administrators may do this." });
  return next();
});

/** Server-wide administration (adding domains, the server CA): server administrators only. */
export const serverAdminProcedure = adminProcedure.use(({ ctx, next }) => {
  if (ctx.session.account.role !== "server-admin")
    throw new TRPCError({ code: "FORBIDDEN", message: "Only a server administrator may do this." });
  return next();
});
