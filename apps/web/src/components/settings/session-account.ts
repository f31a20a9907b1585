import { headers } from "next/headers";
import { sessionOf } from "~/server/request-context";
import { getStore } from "~/server/store";

/** The signed-in account for a settings page (null while signed out: the layout shows Log In). */
export async function sessionAccount() {
  const store = await getStore();
  const { session } = await sessionOf(store, await headers());
  return session?.account ?? null;
}
