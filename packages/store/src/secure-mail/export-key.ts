import { exportPfx } from "@sealbox/core";
import type { StoreContext } from "../context.js";
import { StoreError } from "../errors.js";
import { keyRows } from "./key-repository.js";
import type { PasswordProof } from "./password-proof.js";
import type { KeyAccess, UnlockSessions } from "./unlock-sessions.js";

/** The current key as a PFX under a file password (AES-256 by default, legacy 3DES on request). */
export function exportKeyUseCase(
  ctx: StoreContext,
  deps: { proof: PasswordProof; unlockSessions: UnlockSessions },
) {
  return async function exportKey(
    accountId: string,
    access: KeyAccess,
    filePassword: string,
    options: { legacy?: boolean } = {},
  ): Promise<Uint8Array> {
    const rows = await keyRows(ctx.db, accountId);
    const current = rows.filter((r) => r.state === "current");
    if (current.length === 0 || !current[0])
      throw new StoreError("no-key", "this account has no current Secure Mail key to export");
    const sha256 = current[0].certificate_sha256;
    const identity =
      typeof access === "string"
        ? await deps.proof.prove(accountId, current, access)
        : (await deps.unlockSessions.identities(accountId, access.sessionToken)).find(
            (i) => i.certificate.sha256 === sha256,
          );
    if (!identity) throw new StoreError("locked", "unlock Secure Mail again to export the current key");
    return exportPfx(identity, filePassword, { legacy: options.legacy ?? false });
  };
}
