import type { Updateable } from "kysely";
import { type StoreContext, toFlag, write } from "../context.js";
import { domainById, writableCipher } from "../domains/domains.js";
import { errorAt, StoreError } from "../errors.js";
import type { AccountsTable } from "../schema.js";
import { endSessionsOf } from "../sessions/sessions.js";
import {
  type Account,
  accountById,
  accountIdByAddress,
  passwordHashOf,
  updateAccountRow,
} from "./accounts.js";
import { parseAddress } from "./address.js";
import type { LoginGuard } from "./login-guard.js";
import { hashPassword, verifyPassword } from "./password-hash.js";

export interface GeneralSettings {
  realName: string;
  /** The address Send and Generate Key use; "" (or the account address) = the account address. */
  fromAddress: string;
}

export interface ComposeSettings {
  /** A cipher the domain allows; null = the domain's default. */
  encryptionMethod?: string | null;
  alwaysSign?: boolean;
  encryptWhenPossible?: boolean;
}

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

export interface PasswordChangeOptions {
  /** The client's network address: a wrong current password counts as a failed login from it. */
  client?: string;
  /** The session that asked (its id): it stays signed in; every other session of the account ends. */
  keepSessionId?: string;
}

const MAX_REAL_NAME = 200;

const invalid = (message: string, field: string) => new StoreError("invalid-argument", message, { field });

/**
 * What a signed-in account changes about itself (Settings → General, Compose, Password).
 * Errors name the field they are about, so a form can show them beside it.
 */
export function accountSettingsUseCases(ctx: StoreContext, guard: LoginGuard) {
  return {
    /** Real Name and From address. The From address must be a valid address and not another account's. */
    general: (accountId: string, settings: GeneralSettings): Promise<Account> =>
      write(ctx, async (trx) => {
        const account = await accountById(trx, accountId);
        const realName = settings.realName.trim();
        if (/\p{Cc}/u.test(realName)) throw invalid("a name is one line", "realName");
        if ([...realName].length > MAX_REAL_NAME)
          throw invalid(`a name is at most ${MAX_REAL_NAME} characters`, "realName");
        let from: ReturnType<typeof parseAddress> | null = null;
        if (settings.fromAddress.trim() !== "") {
          try {
            from = parseAddress(settings.fromAddress);
          } catch (error) {
            throw error instanceof StoreError ? errorAt(error, "fromAddress") : error;
          }
          if (from.lower === account.address.toLowerCase()) from = null;
        }
        if (from) {
          // Mail "from" a colleague would be believed by every reader: another account's address is theirs alone.
          const owner = await accountIdByAddress(trx, from.lower);
          if (owner !== undefined && owner !== accountId)
            throw invalid(`${from.address} is another account's address`, "fromAddress");
        }
        await updateAccountRow(trx, accountId, {
          real_name: realName,
          from_address: from?.address ?? null,
          from_lower: from?.lower ?? null,
        });
        return accountById(trx, accountId);
      }),

    /** Encryption Method (among the domain's allowed ciphers) and the defaults of new messages. */
    compose: (accountId: string, settings: ComposeSettings): Promise<Account> =>
      write(ctx, async (trx) => {
        const account = await accountById(trx, accountId);
        const columns: Updateable<AccountsTable> = {};
        if (settings.encryptionMethod !== undefined) {
          if (settings.encryptionMethod === null) columns.encryption_method = null;
          else {
            const domain = await domainById(trx, account.domainId);
            let cipher: ReturnType<typeof writableCipher>;
            try {
              cipher = writableCipher(settings.encryptionMethod);
            } catch (error) {
              throw error instanceof StoreError ? errorAt(error, "encryptionMethod") : error;
            }
            if (!domain.allowedCiphers.includes(cipher))
              throw invalid(
                `${domain.name} does not allow ${cipher} (allowed: ${domain.allowedCiphers.join(", ")})`,
                "encryptionMethod",
              );
            // Choosing what the domain uses anyway keeps following the domain's default.
            const follows = account.encryptionMethodSetting === null && cipher === domain.defaultCipher;
            columns.encryption_method = follows ? null : cipher;
          }
        }
        if (settings.alwaysSign !== undefined) columns.always_sign = toFlag(settings.alwaysSign);
        if (settings.encryptWhenPossible !== undefined)
          columns.encrypt_when_possible = toFlag(settings.encryptWhenPossible);
        await updateAccountRow(trx, accountId, columns);
        return accountById(trx, accountId);
      }),

    /**
     * Changes the login password. The current one is checked behind the login guard, so a wrong
     * one counts as a failed login (per account and per client) and guessing through this form
     * is limited like guessing at Log In. Afterwards every other session of the account ends.
     */
    async changePassword(
      accountId: string,
      change: PasswordChange,
      options: PasswordChangeOptions = {},
    ): Promise<void> {
      const account = await accountById(ctx.db, accountId);
      let attempt: Awaited<ReturnType<LoginGuard["begin"]>>;
      try {
        attempt = await guard.begin(account.address.toLowerCase(), options.client ?? "unknown");
      } catch (error) {
        throw error instanceof StoreError ? errorAt(error, "currentPassword") : error;
      }
      if (!(await verifyPassword(change.currentPassword, await passwordHashOf(ctx.db, accountId))))
        throw new StoreError("wrong-password", "the current password is wrong", { field: "currentPassword" });
      await attempt.succeeded();
      let newHash: string;
      try {
        newHash = await hashPassword(change.newPassword, ctx.passwordHashing);
      } catch (error) {
        throw error instanceof StoreError ? errorAt(error, "newPassword") : error;
      }
      await write(ctx, async (trx) => {
        await updateAccountRow(trx, accountId, { password_hash: newHash });
        await endSessionsOf(trx, accountId, options.keepSessionId);
      });
    },
  };
}

export type AccountSettings = ReturnType<typeof accountSettingsUseCases>;
