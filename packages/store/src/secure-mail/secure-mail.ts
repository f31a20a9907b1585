import {
  allowsEmailProtection,
  CoreError,
  chooseCertificateAddress,
  compareWithPfx,
  exportPfx,
  type Identity,
  importPfx,
  isCoreError,
  normalizeSecureMailPassword,
  resealPrivateKeys,
  sealPrivateKey,
} from "@sealbox/core";
import { accountById, accountIdByAddress } from "../accounts/accounts.js";
import { type Executor, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import {
  deleteKey,
  installKey,
  type KeyRow,
  keyRows,
  resealKeys,
  rowCertificate,
  rowChain,
  rowIdentity,
} from "./key-repository.js";
import type { PasswordGuard } from "./password-guard.js";
import type { ServerCa } from "./server-ca.js";
import { type KeyAccess, unlockSessionUseCases } from "./unlock-sessions.js";

export interface SecureMailStatus {
  hasKey: boolean;
  email?: string;
  emails?: string[];
  name?: string | null;
  subject?: string;
  issuer?: string;
  serial?: string;
  notBefore?: string;
  notAfter?: string;
  keyAlgorithm?: string;
  keySize?: number;
  certificateSha256?: string;
  earlierKeys: number;
  /** The earlier keys, newest first (kept so old mail still opens). */
  earlier?: Array<{ subject: string; email: string; notAfter: string; sha256: string }>;
}

export type GeneratedKeyAlgorithm = "RSA-2048" | "RSA-3072" | "RSA-4096" | "EC-P256";

/**
 * The account's Secure Mail key: a current certificate + chain + sealed
 * key, and earlier keys kept so old mail still decrypts, all sealed under the one Secure
 * Mail Password. Every password check goes through the shared rate limit.
 */
export function secureMailUseCases(ctx: StoreContext, deps: { ca: ServerCa; guard: PasswordGuard }) {
  const { ca, guard } = deps;

  /** Proves the Secure Mail Password by unsealing one key; returns that key's identity. */
  async function prove(accountId: string, rows: KeyRow[], password: string): Promise<Identity> {
    const row = rows[0];
    if (!row) throw new StoreError("no-key", "this account has no Secure Mail key");
    const attempt = await guard.begin(accountId);
    let identity: Identity;
    try {
      identity = rowIdentity(row, password);
    } catch (error) {
      // A wrong password stays counted; anything else was no guess.
      if (isCoreError(error, "wrong-password"))
        throw new StoreError("wrong-password", "wrong Secure Mail Password");
      await attempt.abandon();
      throw error;
    }
    await attempt.succeeded();
    return identity;
  }

  /** A new key's password: the existing one when keys exist (proven), else a new one (8–100 characters). */
  async function passwordForNewKey(accountId: string, rows: KeyRow[], password: string): Promise<void> {
    if (rows.length > 0) await prove(accountId, rows, password);
    else normalizeSecureMailPassword(password);
  }

  async function install(
    q: Executor,
    accountId: string,
    identity: Pick<Identity, "certificate" | "chain">,
    sealed: Uint8Array,
  ): Promise<void> {
    const { superseded } = await installKey(q, accountId, identity, sealed, ctx.now());
    if (superseded) await ca.revoke(q, superseded, "superseded");
  }

  async function identitiesWithPassword(accountId: string, securePassword: string): Promise<Identity[]> {
    const rows = await keyRows(ctx.db, accountId);
    const first = await prove(accountId, rows, securePassword);
    const rest: Identity[] = [];
    for (const row of rows.slice(1)) {
      try {
        rest.push(rowIdentity(row, securePassword));
      } catch (error) {
        if (!(error instanceof CoreError)) throw error;
        ctx.logger.warn(
          { accountId, keyId: row.id },
          "an earlier Secure Mail key does not open with the current password",
        );
      }
    }
    return [first, ...rest];
  }

  const unlockSessions = unlockSessionUseCases(ctx, { identities: identitiesWithPassword });

  async function status(accountId: string): Promise<SecureMailStatus> {
    const rows = await keyRows(ctx.db, accountId);
    const current = rows.find((r) => r.state === "current");
    const earlierRows = rows.filter((r) => r.state === "earlier");
    const earlierKeys = earlierRows.length;
    if (!current) return { hasKey: false, earlierKeys };
    const earlier = earlierRows.map((r) => {
      const c = rowCertificate(r);
      return {
        subject: c.subject,
        email: c.emails[0] ?? "",
        notAfter: c.notAfter.toISOString(),
        sha256: c.sha256,
      };
    });
    const cert = rowCertificate(current);
    return {
      hasKey: true,
      email: cert.emails[0] ?? "",
      emails: cert.emails,
      name: cert.commonName ?? null,
      subject: cert.subject,
      issuer: cert.issuer,
      serial: cert.serialHex,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      keyAlgorithm: cert.keyAlgorithm,
      keySize: cert.keySize,
      certificateSha256: cert.sha256,
      earlierKeys,
      earlier,
    };
  }

  return {
    status,

    /** Imports a PFX; with a key already present the password must be the current Secure Mail Password (the old key becomes an earlier key). */
    async importPfx(
      accountId: string,
      pfx: Uint8Array,
      filePassword: string,
      securePassword: string,
    ): Promise<SecureMailStatus> {
      await accountById(ctx.db, accountId);
      const imported = importPfx(pfx, filePassword, { now: new Date(ctx.now()) });
      // A key whose certificate names no address, or is restricted to other uses, cannot sign or receive mail.
      const certificate = imported.identity.certificate;
      if (certificate.emails.length === 0 || !allowsEmailProtection(certificate))
        throw new StoreError(
          "invalid-argument",
          certificate.emails.length === 0
            ? "the certificate is not for e-mail: it names no e-mail address"
            : "the certificate is not for e-mail: its extended key usage lacks e-mail protection",
        );
      if (await ca.isRevoked(imported.identity.certificate.sha256))
        throw new StoreError(
          "forbidden",
          "the server CA revoked this certificate when it was replaced or removed; generate or import a new key",
        );
      const rows = await keyRows(ctx.db, accountId);
      await passwordForNewKey(accountId, rows, securePassword);
      // The PFX's own protection is never kept: the key is re-sealed under the Secure Mail Password.
      const sealed = sealPrivateKey(imported.identity.privateKey, securePassword);
      await write(ctx, (trx) => install(trx, accountId, imported.identity, sealed));
      return status(accountId);
    },

    /** Generates a key and a certificate from the server CA, for the From address when it is the account's, else the account address. */
    async generate(
      accountId: string,
      securePassword: string,
      options: { keyAlgorithm?: GeneratedKeyAlgorithm } = {},
    ): Promise<SecureMailStatus> {
      const account = await accountById(ctx.db, accountId);
      const rows = await keyRows(ctx.db, accountId);
      await passwordForNewKey(accountId, rows, securePassword);
      const owned = [account.address];
      if (account.fromSetting) {
        const fromDomain = account.fromAddress.split("@").pop()?.toLowerCase();
        const other = await accountIdByAddress(ctx.db, account.fromAddress.toLowerCase());
        if (fromDomain === account.domain.toLowerCase() && (!other || other === account.id))
          owned.push(account.fromAddress);
      }
      const email = chooseCertificateAddress({
        fromAddress: account.fromAddress,
        accountAddress: account.address,
        accountAddresses: owned,
      });
      const { issued, chain, caId } = await ca.issue({
        email,
        ...(account.realName ? { name: account.realName } : {}),
        keyAlgorithm: options.keyAlgorithm ?? "RSA-2048",
      });
      if (!issued.privateKey) throw new StoreError("conflict", "the CA did not return a key");
      const sealed = sealPrivateKey(issued.privateKey, securePassword);
      await write(ctx, async (trx) => {
        await install(trx, accountId, { certificate: issued.certificate, chain }, sealed);
        await ca.recordIssued(trx, caId, issued.certificate, accountId);
      });
      return status(accountId);
    },

    /**
     * Renew Key and Certificate: a new key from the server CA, of the current key's kind,
     * sealed under the same Secure Mail Password (generate proves it). The old key stays as
     * an earlier key, so mail encrypted to it still opens; its server-issued certificate is
     * revoked as superseded. A session must unlock again to hold the new key.
     */
    async renew(accountId: string, securePassword: string): Promise<SecureMailStatus> {
      const current = (await keyRows(ctx.db, accountId)).find((r) => r.state === "current");
      if (!current)
        throw new StoreError("no-key", "there is no current key to renew; generate or import one");
      const cert = rowCertificate(current);
      const size = cert.keySize ?? 0;
      const keyAlgorithm: GeneratedKeyAlgorithm =
        cert.keyAlgorithm === "EC"
          ? "EC-P256"
          : size >= 4096
            ? "RSA-4096"
            : size >= 3072
              ? "RSA-3072"
              : "RSA-2048";
      return this.generate(accountId, securePassword, { keyAlgorithm });
    },

    async exportPfx(
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
          ? await prove(accountId, current, access)
          : (await unlockSessions.identities(accountId, access.sessionToken)).find(
              (i) => i.certificate.sha256 === sha256,
            );
      if (!identity) throw new StoreError("locked", "unlock Secure Mail again to export the current key");
      return exportPfx(identity, filePassword, { legacy: options.legacy ?? false });
    },

    /**
     * Re-seals the current and every earlier key under the new password, in one transaction.
     * With a session the unlocked keys are sealed anew (the old password is not needed again).
     */
    async changePassword(accountId: string, old: KeyAccess, newPassword: string): Promise<void> {
      const rows = await keyRows(ctx.db, accountId);
      if (typeof old !== "string") {
        normalizeSecureMailPassword(newPassword);
        const unlocked = await unlockSessions.identities(accountId, old.sessionToken);
        const byCert = new Map(unlocked.map((i) => [i.certificate.sha256, i]));
        const sealed = rows.map((r) => {
          const identity = byCert.get(r.certificate_sha256);
          if (!identity)
            throw new StoreError(
              "conflict",
              "a key is not in the unlocked set (an earlier key under another password?); nothing was changed",
            );
          return sealPrivateKey(identity.privateKey, newPassword);
        });
        await write(ctx, (trx) =>
          resealKeys(
            trx,
            rows.map((r, i) => ({ id: r.id, sealed: sealed[i] as Uint8Array })),
          ),
        );
        return;
      }
      const oldPassword = old;
      await prove(accountId, rows, oldPassword);
      normalizeSecureMailPassword(newPassword);
      let resealed: Uint8Array[];
      try {
        resealed = resealPrivateKeys(
          rows.map((r) => r.sealed_key),
          oldPassword,
          newPassword,
        );
      } catch (error) {
        if (isCoreError(error, "wrong-password")) {
          throw new StoreError(
            "conflict",
            "an earlier key is sealed under a different password; nothing was changed",
          );
        }
        throw error;
      }
      await write(ctx, (trx) =>
        resealKeys(
          trx,
          rows.map((r, i) => ({ id: r.id, sealed: resealed[i] as Uint8Array })),
        ),
      );
    },

    /** Removes the current key after proving a PFX copy of it exists (no Secure Mail Password needed); earlier keys stay. */
    async remove(accountId: string, pfx: Uint8Array, filePassword: string): Promise<void> {
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
        await ca.revoke(trx, current.certificate_sha256, "cessationOfOperation");
      });
    },

    /** Every key, current first: what decryption on behalf of the account tries (proves the password, or uses the session's unlock). */
    async identities(accountId: string, access: KeyAccess): Promise<Identity[]> {
      return typeof access === "string"
        ? identitiesWithPassword(accountId, access)
        : unlockSessions.identities(accountId, access.sessionToken);
    },

    /** Proves the Secure Mail Password or the session's unlock (e.g. before Encrypt in place). */
    async verifyPassword(accountId: string, access: KeyAccess): Promise<void> {
      if (typeof access === "string") await prove(accountId, await keyRows(ctx.db, accountId), access);
      else await unlockSessions.identities(accountId, access.sessionToken);
    },

    /** Unlocks the keys for a signed-in session for the domain's unlock lifetime. */
    unlock: unlockSessions.unlock,
    lock: unlockSessions.lock,
    lockState: unlockSessions.state,

    /** The current certificate and its chain, without any key. */
    async currentCertificate(accountId: string) {
      const rows = await keyRows(ctx.db, accountId);
      const current = rows.find((r) => r.state === "current");
      return current ? { certificate: rowCertificate(current), chain: rowChain(current) } : undefined;
    },
  };
}

export type SecureMail = ReturnType<typeof secureMailUseCases>;
