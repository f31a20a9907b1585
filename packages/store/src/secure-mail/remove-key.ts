import { compareWithPfx } from "@sealbox/core";
import { type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { deleteKey, keyRows, rowCertificate } from "./key-repository.js";
import type { ServerCa } from "./server-ca.js";

/** Removes the current key after proving a PFX copy of it exists (no Secure Mail Password needed); earlier keys stay. */
export function removeKeyUseCase(ctx: StoreContext, deps: { ca: ServerCa }) {
  return async function remove(accountId: string, pfx: Uint8Array, filePassword: string): Promise<void> {
    const rows = await keyRows(ctx.db, accountId);
    const current = rows.find((r) => r.state === "current");
    if (!current) throw new StoreError("no-key", "this account has no current Secure Mail key");
    const { matches } = compareWithPfx(pfx, filePassword, rowCertificate(current));
    if (!matches)
      throw new StoreError(
        "forbidden",
        "that PFX file does not hold this account's current key; nothing was removed",
      );
    await write(ctx, async (trx) => {
      await deleteKey(trx, current.id);
      await deps.ca.revoke(trx, current.certificate_sha256, "cessationOfOperation");
    });
  };
}
