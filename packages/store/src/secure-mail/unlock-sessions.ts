import {
  deriveSessionWrappingKey,
  type Identity,
  isCoreError,
  unwrapSessionKeys,
  wrapSessionKeys,
} from "@sealbox/core";
import { domainOfAccount } from "../accounts/accounts.js";
import { type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { sessionIdOf } from "../sessions/session-token.js";
import { isLiveSessionOf } from "../sessions/sessions.js";
import { countUnlocksOf, deleteUnlock, putUnlock, unlockExpiry } from "../sessions/unlock-rows.js";
import {
  hasAnyKey,
  type KeyRow,
  keysBesideUnlock,
  rowCertificate,
  rowChain,
  sortKeyRows,
} from "./key-repository.js";

/**
 * What opens the account's private keys for one operation: the Secure Mail Password itself
 * (CLI, scripts), or a signed-in session that unlocked them (web, terminal client).
 */
export type KeyAccess = string | { sessionToken: string };

export interface LockState {
  /** The account has a key to lock or unlock. */
  hasKey: boolean;
  unlocked: boolean;
  /** Epoch ms when the unlock ends; null while locked. */
  expiresAt: number | null;
  /** The domain's unlock lifetime in seconds. */
  lifetimeSeconds: number;
}

const LOCKED = "Secure Mail is locked; unlock it with your Secure Mail Password";

/** The wrapped blob beside every key row of the account, without the password-sealed keys. */
/**
 * Unlocking at scale (DESIGN.md): on unlock the keys are unsealed with the password, then
 * re-wrapped (AES-256-GCM) under a key derived from the session token, which only the
 * client's cookie holds. The store keeps that blob with its expiry and nothing else, so any
 * web process can use the unlock, a restart keeps it, and neither the database nor a log
 * ever holds a usable private key. Lock (or logout) deletes the blob.
 */
export function unlockSessionUseCases(
  ctx: StoreContext,
  deps: { identities(accountId: string, password: string): Promise<Identity[]> },
) {
  const aad = (accountId: string, sessionId: string) => `${accountId}|${sessionId}`;

  /** Certificates of key rows, parsed once (public data; keyed by the row's certificate hash). */
  const parsed = new Map<string, Pick<Identity, "certificate" | "chain">>();
  const publicParts = (
    row: Pick<KeyRow, "certificate_sha256" | "certificate" | "chain">,
  ): Pick<Identity, "certificate" | "chain"> => {
    let parts = parsed.get(row.certificate_sha256);
    if (!parts) {
      parts = { certificate: rowCertificate(row), chain: rowChain(row) };
      if (parsed.size >= 1000) parsed.clear();
      parsed.set(row.certificate_sha256, parts);
    }
    return parts;
  };

  async function lifetimeSeconds(accountId: string): Promise<number> {
    return (await domainOfAccount(ctx.db, accountId)).unlockSeconds;
  }

  async function ownSession(accountId: string, token: string): Promise<string> {
    const id = sessionIdOf(token);
    if (!(await isLiveSessionOf(ctx.db, accountId, id, ctx.now())))
      throw new StoreError("unauthenticated", "the session has ended; sign in again");
    return id;
  }

  return {
    /** Unseals every key with the password (through the shared rate limit) and keeps them wrapped for this session. */
    async unlock(accountId: string, sessionToken: string, password: string): Promise<LockState> {
      const sessionId = await ownSession(accountId, sessionToken);
      const identities = await deps.identities(accountId, password);
      const seconds = await lifetimeSeconds(accountId);
      const wrappingKey = deriveSessionWrappingKey(sessionToken, "keys");
      let wrapped: Uint8Array;
      try {
        wrapped = wrapSessionKeys(
          identities.map((i) => ({ label: i.certificate.sha256, key: i.privateKey })),
          wrappingKey,
          aad(accountId, sessionId),
        );
      } finally {
        wrappingKey.fill(0);
      }
      const now = ctx.now();
      const expiresAt = now + seconds * 1000;
      await write(ctx, (trx) => putUnlock(trx, { id: sessionId, accountId, wrapped, expiresAt, now }));
      return { hasKey: true, unlocked: true, expiresAt, lifetimeSeconds: seconds };
    },

    async lock(accountId: string, sessionToken: string): Promise<void> {
      const id = sessionIdOf(sessionToken);
      await write(ctx, (trx) => deleteUnlock(trx, id, accountId));
    },

    /**
     * How many wrapped key blobs of the account are stored (one per unlocked session, expired
     * ones until they are swept): zero once every session locked or signed out.
     */
    storedUnlocks: (accountId: string): Promise<number> => countUnlocksOf(ctx.db, accountId),

    async state(accountId: string, sessionToken: string): Promise<LockState> {
      const seconds = await lifetimeSeconds(accountId);
      const hasKey = await hasAnyKey(ctx.db, accountId);
      const expiry = await unlockExpiry(ctx.db, accountId, sessionIdOf(sessionToken));
      const unlocked = hasKey && expiry !== undefined && expiry > ctx.now();
      return {
        hasKey,
        unlocked,
        expiresAt: unlocked ? (expiry ?? null) : null,
        lifetimeSeconds: seconds,
      };
    },

    /** The session's unlocked keys, current first; StoreError("locked") when locked or expired. */
    async identities(accountId: string, sessionToken: string): Promise<Identity[]> {
      const sessionId = sessionIdOf(sessionToken);
      // One query: the wrapped blob beside every key row of the account (each request asks),
      // without the password-sealed keys: the session's wrapped copy is what opens them here.
      const rows = await keysBesideUnlock(ctx.db, accountId, sessionId);
      const first = rows[0];
      if (!first || first.u_expires_at <= ctx.now()) {
        if (first) await deleteUnlock(ctx.db, sessionId);
        throw new StoreError("locked", LOCKED);
      }
      const wrappingKey = deriveSessionWrappingKey(sessionToken, "keys");
      let entries: ReturnType<typeof unwrapSessionKeys>;
      try {
        entries = unwrapSessionKeys(first.u_wrapped, wrappingKey, aad(accountId, sessionId));
      } catch (error) {
        if (isCoreError(error)) throw new StoreError("locked", LOCKED, { cause: error });
        throw error;
      } finally {
        wrappingKey.fill(0);
      }
      const byLabel = new Map(entries.map((e) => [e.label, e.key]));
      const identities: Identity[] = [];
      for (const keyRow of sortKeyRows(rows)) {
        const key = byLabel.get(keyRow.certificate_sha256);
        if (key) identities.push({ privateKey: key, ...publicParts(keyRow) });
      }
      if (identities.length === 0) throw new StoreError("locked", LOCKED);
      return identities;
    },
  };
}

export type UnlockSessions = ReturnType<typeof unlockSessionUseCases>;
