import {
  type Certificate,
  CRL_REASONS,
  type CrlReason,
  createCa,
  createCrl,
  type Identity,
  loadCa,
  parseCertificate,
  sealPrivateKey,
  unsealPrivateKey,
} from "@sealbox/core";
import type { Selectable } from "kysely";
import { type Executor, type StoreContext, write } from "../context.js";
import { isUniqueViolation } from "../db-errors.js";
import { joinDer, splitDer } from "../der-list.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";
import type { ServerCaTable } from "../schema.js";
import { secretAsPassword } from "./server-secret.js";

export const SERVER_CA_NAME = "Sealbox Secure Mail CA";
const CRL_LIFETIME_MS = 7 * 24 * 3600_000;

export interface ServerCaInfo {
  id: string;
  certificate: Certificate;
  chain: Certificate[];
  source: "generated" | "installed";
  createdAt: number;
}

/**
 * The server CA: created on first use with core's createCa, or installed
 * from an existing corporate CA or intermediate. Its key is sealed under the server secret
 * and unsealed only for the moment it signs.
 */
export function serverCaUseCases(ctx: StoreContext, secret: Uint8Array | undefined) {
  const password = () => {
    if (!secret)
      throw new StoreError("unavailable", "no server secret is configured, so the server CA cannot be used");
    return secretAsPassword(secret);
  };

  async function currentRow(q: Executor): Promise<Selectable<ServerCaTable> | undefined> {
    return q.selectFrom("server_ca").selectAll().where("state", "=", "current").executeTakeFirst();
  }

  function info(row: Selectable<ServerCaTable>): ServerCaInfo {
    return {
      id: row.id,
      certificate: parseCertificate(row.certificate),
      chain: splitDer(row.chain).map((der) => parseCertificate(der)),
      source: row.source,
      createdAt: row.created_at,
    };
  }

  async function insert(identity: Identity, source: "generated" | "installed"): Promise<void> {
    const now = ctx.now();
    const sealed = sealPrivateKey(identity.privateKey, password());
    await write(ctx, async (trx) => {
      await trx.updateTable("server_ca").set({ state: "earlier" }).where("state", "=", "current").execute();
      await trx
        .insertInto("server_ca")
        .values({
          id: newId(now),
          certificate: identity.certificate.der,
          certificate_sha256: identity.certificate.sha256,
          chain: joinDer(identity.chain.map((c) => c.der)),
          sealed_key: sealed,
          state: "current",
          source,
          created_at: now,
        })
        .execute();
    });
  }

  /** The current CA, created on first use (two processes racing both end up with the same one). */
  async function ensure(): Promise<ServerCaInfo> {
    const existing = await currentRow(ctx.db);
    if (existing) return info(existing);
    const identity = await createCa({ name: SERVER_CA_NAME, now: new Date(ctx.now()) });
    try {
      const now = ctx.now();
      await ctx.db
        .insertInto("server_ca")
        .values({
          id: newId(now),
          certificate: identity.certificate.der,
          certificate_sha256: identity.certificate.sha256,
          chain: new Uint8Array(0),
          sealed_key: sealPrivateKey(identity.privateKey, password()),
          state: "current",
          source: "generated",
          created_at: now,
        })
        .execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const row = await currentRow(ctx.db);
    if (!row) throw new StoreError("conflict", "the server CA could not be created");
    return info(row);
  }

  /** The CA with its private key, for issuing and for CRLs. */
  async function unsealed(): Promise<{ identity: Identity; row: Selectable<ServerCaTable> }> {
    await ensure();
    const row = await currentRow(ctx.db);
    if (!row) throw new StoreError("not-found", "no server CA");
    let privateKey: Identity["privateKey"];
    try {
      privateKey = unsealPrivateKey(row.sealed_key, password());
    } catch (error) {
      throw new StoreError(
        "unavailable",
        "the server CA key does not open with this server secret (was SEALBOX_SECRET changed?)",
        {
          cause: error,
        },
      );
    }
    const chain = splitDer(row.chain).map((der) => parseCertificate(der));
    return { identity: { privateKey, certificate: parseCertificate(row.certificate), chain }, row };
  }

  return {
    ensure,
    unsealed,

    /** Installs a corporate CA or intermediate from a PFX; the previous CA stays as an earlier one (its certificates stay trusted). */
    async install(pfx: Uint8Array, filePassword: string): Promise<ServerCaInfo> {
      const identity = loadCa(pfx, filePassword);
      await insert(identity, "installed");
      const row = await currentRow(ctx.db);
      if (!row) throw new StoreError("conflict", "the server CA could not be installed");
      return info(row);
    },

    /** Every CA certificate this server has used (current and earlier): trust anchors for verification. */
    async allCertificates(): Promise<Certificate[]> {
      const rows = await ctx.db.selectFrom("server_ca").select(["certificate", "chain"]).execute();
      return rows.flatMap((r) => [
        parseCertificate(r.certificate),
        ...splitDer(r.chain).map((d) => parseCertificate(d)),
      ]);
    },

    /** Records a certificate this CA issued (so it can be revoked later). */
    async recordIssued(
      q: Executor,
      caId: string,
      certificate: Certificate,
      accountId: string,
    ): Promise<void> {
      await q
        .insertInto("issued_certificates")
        .values({
          id: newId(ctx.now()),
          ca_id: caId,
          serial: certificate.serialHex,
          account_id: accountId,
          certificate_sha256: certificate.sha256,
          issued_at: ctx.now(),
          revoked_at: null,
          reason: null,
        })
        .execute();
    },

    /** Revokes a certificate if this server issued it; a no-op for imported ones. */
    async revoke(
      q: Executor,
      certificateSha256: string,
      reason: "superseded" | "cessationOfOperation" | "keyCompromise",
    ): Promise<boolean> {
      const result = await q
        .updateTable("issued_certificates")
        .set({ revoked_at: ctx.now(), reason })
        .where("certificate_sha256", "=", certificateSha256)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** A fresh CRL from the current CA listing every certificate it issued and revoked. */
    async crl(): Promise<Uint8Array> {
      const { identity, row } = await unsealed();
      return write(ctx, async (trx) => {
        const fresh = await trx
          .selectFrom("server_ca")
          .select(["next_crl_number"])
          .where("id", "=", row.id)
          .executeTakeFirstOrThrow();
        await trx
          .updateTable("server_ca")
          .set({ next_crl_number: fresh.next_crl_number + 1 })
          .where("id", "=", row.id)
          .execute();
        const revoked = await trx
          .selectFrom("issued_certificates")
          .select(["serial", "revoked_at", "reason"])
          .where("ca_id", "=", row.id)
          .where("revoked_at", "is not", null)
          .execute();
        const now = ctx.now();
        return createCrl(identity, {
          revoked: revoked.map((r) => ({
            serial: BigInt(`0x${r.serial}`),
            revokedAt: new Date(r.revoked_at ?? now),
            ...(r.reason && r.reason in CRL_REASONS ? { reason: r.reason as CrlReason } : {}),
          })),
          thisUpdate: new Date(now),
          nextUpdate: new Date(now + CRL_LIFETIME_MS),
          crlNumber: fresh.next_crl_number,
        });
      });
    },

    /** Whether a certificate this server issued has been revoked (imported certificates: never known). */
    async isRevoked(certificateSha256: string): Promise<boolean> {
      const row = await ctx.db
        .selectFrom("issued_certificates")
        .select("id")
        .where("certificate_sha256", "=", certificateSha256)
        .where("revoked_at", "is not", null)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type ServerCa = ReturnType<typeof serverCaUseCases>;
