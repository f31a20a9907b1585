import type { Identity } from "@sealbox/core";
import type { Executor } from "../context.js";
import { installKey } from "./key-repository.js";
import type { ServerCa } from "./server-ca.js";

/**
 * Makes a key current in the caller's transaction (import, generate): the key it replaces
 * stays as an earlier key, and the server CA revokes that one's certificate as superseded.
 */
export async function replaceCurrentKey(
  q: Executor,
  ca: ServerCa,
  accountId: string,
  identity: Pick<Identity, "certificate" | "chain">,
  sealed: Uint8Array,
  now: number,
): Promise<void> {
  const { superseded } = await installKey(q, accountId, identity, sealed, now);
  if (superseded) await ca.revoke(q, superseded, "superseded");
}
