import type { StoreContext } from "../context.js";
import { StoreError } from "../errors.js";
import { type Account, accountById } from "./accounts.js";
import { parseAddress } from "./address.js";
import { hashPassword, verifyPassword } from "./password-hash.js";

/**
 * The same failure for an unknown address, a malformed one and a wrong password, taking
 * the same time (a real scrypt runs either way), so a login form cannot be used to find
 * out which accounts exist. Only a caller who knows the right password learns that the
 * account is disabled.
 */
export type LoginResult =
  | { ok: true; account: Account }
  | { ok: false; reason: "invalid-credentials" | "disabled" };

export function loginUseCase(ctx: StoreContext) {
  let decoy: Promise<string> | undefined;
  return async function login(address: string, password: string): Promise<LoginResult> {
    let lower: string | undefined;
    try {
      lower = parseAddress(address).lower;
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
    }
    const row = lower
      ? await ctx.db
          .selectFrom("accounts")
          .select(["id", "password_hash", "disabled"])
          .where("address_lower", "=", lower)
          .executeTakeFirst()
      : undefined;
    if (!row) {
      decoy ??= hashPassword("decoy password, never matches", ctx.passwordHashing);
      await verifyPassword(password.length > 0 ? password : "x", await decoy);
      return { ok: false, reason: "invalid-credentials" };
    }
    if (!(await verifyPassword(password, row.password_hash)))
      return { ok: false, reason: "invalid-credentials" };
    if (row.disabled === 1) return { ok: false, reason: "disabled" };
    return { ok: true, account: await accountById(ctx.db, row.id) };
  };
}
