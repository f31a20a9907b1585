import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store, silentLogger } from "@sealbox/store";
import { createCallerFactory, createContextInner } from "../trpc";
import { appRouter } from "./app";

export const createCaller = createCallerFactory(appRouter);

/** A throwaway SQLite store with cheap login hashing and a server secret (CA operations work). */
export async function testStore(): Promise<Store> {
  const base = mkdtempSync(join(tmpdir(), "sealbox-web-"));
  return openStore(`sqlite:${join(base, "sealbox.db")}`, {
    base,
    logger: silentLogger,
    passwordHashing: { logN: 10, r: 8, p: 1 },
    serverSecret: Buffer.from("a web test server secret of decent length"),
  });
}

/** A caller as the route handler builds it: the token resolved to a session, the CSRF header set. */
export async function callerFor(store: Store, token: string | null, options: { csrf?: boolean } = {}) {
  const session = token ? ((await store.sessions.resolve(token)) ?? null) : null;
  const cookies: string[] = [];
  const caller = createCaller(
    createContextInner(store, {
      sessionToken: session ? token : null,
      session,
      csrfToken: options.csrf === false ? null : (session?.csrf ?? null),
      client: "192.0.2.10",
      setCookie: (c) => cookies.push(c),
    }),
  );
  return { caller, cookies };
}

/** An account with a session; returns its id and token. */
export async function signedIn(
  store: Store,
  address: string,
  role?: "user" | "domain-admin" | "server-admin",
) {
  const { account } = await store.accounts.add(address, {
    password: "login pw",
    createDomain: true,
    ...(role ? { role } : {}),
  });
  const { token } = await store.sessions.create(account.id, { client: "192.0.2.10" });
  return { account, token };
}
