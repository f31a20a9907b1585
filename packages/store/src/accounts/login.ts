import type { StoreContext } from "../context.js";
import { StoreError } from "../errors.js";
import { type Account, accountById, credentialsByAddress } from "./accounts.js";
import { parseAddress } from "./address.js";
import type { LoginGuard } from "./login-guard.js";
import { hashPassword, verifyPassword } from "./password-hash.js";

/**
 * The same failure for an unknown address, a malformed one and a wrong password, taking
 * the same time (a real scrypt runs either way), so a login form cannot be used to find
 * out which accounts exist. Only a caller who knows the right password learns that the
 * account is disabled. Every attempt passes the login guard first (per account and per
 * client address); a refused attempt costs no scrypt.
 */
export type LoginResult =
  | { ok: true; account: Account }
  | { ok: false; reason: "invalid-credentials" | "disabled" }
  | { ok: false; reason: "rate-limited"; message: string };

export interface LoginOptions {
  /** The client's network address (web request, SMTP peer); the guard counts failures per address. */
  client?: string;
}

export function loginUseCase(ctx: StoreContext, guard: LoginGuard) {
  let decoy: Promise<string> | undefined;
  return async function login(
    address: string,
    password: string,
    options: LoginOptions = {},
  ): Promise<LoginResult> {
    let lower: string | undefined;
    try {
      lower = parseAddress(address).lower;
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
    }
    let attempt: Awaited<ReturnType<LoginGuard["begin"]>>;
    try {
      attempt = await guard.begin(
        lower ?? address.trim().toLowerCase().slice(0, 320),
        options.client ?? "unknown",
      );
    } catch (error) {
      if (error instanceof StoreError && error.code === "rate-limited")
        return { ok: false, reason: "rate-limited", message: error.message };
      throw error;
    }
    const row = lower ? await credentialsByAddress(ctx.db, lower) : undefined;
    if (!row) {
      decoy ??= hashPassword("decoy password, never matches", ctx.passwordHashing);
      await verifyPassword(password.length > 0 ? password : "x", await decoy);
      return { ok: false, reason: "invalid-credentials" };
    }
    if (!(await verifyPassword(password, row.password_hash)))
      return { ok: false, reason: "invalid-credentials" };
    await attempt.succeeded();
    if (row.disabled === 1) return { ok: false, reason: "disabled" };
    return { ok: true, account: await accountById(ctx.db, row.id) };
  };
}
