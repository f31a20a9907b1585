import {
  type Certificate,
  CRL_REASONS,
  type CrlReason,
  createCa,
  createCrl,
  crlDistributionPointsExtension,
  type Identity,
  type IssuedCertificate,
  type IssueUserCertificateOptions,
  isCoreError,
  issueUserCertificate,
  loadCa,
  parseCertificate,
  sealPrivateKey,
  unsealPrivateKey,
} from "@sealbox/core";
import { type Selectable, sql } from "kysely";
import { parseAddress } from "../accounts/address.js";
import { type Executor, type StoreContext, write } from "../context.js";
import { isUniqueViolation } from "../db-errors.js";
import { joinDer, splitDer } from "../der-list.js";
import { StoreError } from "../errors.js";
import { hotQuery } from "../hot-query.js";
import { newId } from "../ids.js";
import type { ServerCaTable } from "../schema.js";
import { currentCertificateSha256ByAddress } from "./key-repository.js";
import { secretAsPassword } from "./server-secret.js";

export const SERVER_CA_NAME = "Sealbox Secure Mail CA";
const CRL_LIFETIME_MS = 7 * 24 * 3600_000;
/** How old a published CRL may get before it is made anew even with no new revocation. */
const REPUBLISH_MS = 24 * 3600_000;

/** Where the web serves the server CA's certificate and its current CRL, without login. */
export const CA_CERTIFICATE_PATH = "/pki/ca.crt";
export const CRL_PATH = "/pki/ca.crl";

/**
 * The CRL distribution point written into every certificate the server issues: the public
 * address the web is reached at, plus CRL_PATH. Only a plain http(s) origin (optionally with
 * a path prefix) is accepted: a query or fragment would end up in front of the CRL path.
 */
export function crlUrlFor(publicUrl: string): string {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new StoreError("invalid-argument", `the public URL "${publicUrl}" is not an absolute URL`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash || url.username)
    throw new StoreError(
      "invalid-argument",
      `the public URL "${publicUrl}" must be an http:// or https:// address without query, fragment or user`,
    );
  const crlUrl = `${url.origin}${url.pathname.replace(/\/+$/, "")}${CRL_PATH}`;
  try {
    crlDistributionPointsExtension(crlUrl);
  } catch (error) {
    if (isCoreError(error)) throw new StoreError("invalid-argument", error.message, { cause: error });
    throw error;
  }
  return crlUrl;
}

export type RevocationReason = Extract<
  CrlReason,
  "unspecified" | "keyCompromise" | "affiliationChanged" | "superseded" | "cessationOfOperation"
>;

/** The reasons an administrator may give (RFC 5280 §5.3.1), in the order a form offers them. */
export const REVOCATION_REASONS: readonly RevocationReason[] = [
  "keyCompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "unspecified",
];

/** A certificate the server CA issued, as the administration lists it (no key material). */
export interface IssuedCertificateRecord {
  serial: string;
  sha256: string;
  /** null once the account is deleted. */
  account: string | null;
  issuedAt: number;
  revokedAt: number | null;
  reason: string | null;
  /** Issued by the current CA (the published CRL covers only those). */
  currentCa: boolean;
}

/** Which issued certificate to revoke: the account's current one, or by serial or SHA-256. */
export type RevocationTarget = { account: string } | { serial: string } | { sha256: string };

export interface ServerCaInfo {
  id: string;
  certificate: Certificate;
  chain: Certificate[];
  source: "generated" | "installed";
  createdAt: number;
}

/** Asked for every signer the server CA issued, each time a message is read. */
const revocationOf = hotQuery((db, certificateSha256: string) =>
  db
    .selectFrom("issued_certificates")
    .select(["revoked_at", "reason"])
    .where("certificate_sha256", "=", certificateSha256)
    .where("revoked_at", "is not", null),
);

/**
 * The server CA: created on first use with core's createCa, or installed
 * from an existing corporate CA or intermediate. Its key is sealed under the server secret
 * and unsealed only for the moment it signs.
 */
/** Every certificate the server CA has had, oldest first (each is a trust anchor everywhere). */
export function serverCaCertificates(
  q: Executor,
): Promise<Array<{ id: string; certificate: Uint8Array; certificate_sha256: string }>> {
  return q
    .selectFrom("server_ca")
    .select(["id", "certificate", "certificate_sha256"])
    .orderBy("created_at")
    .execute();
}

/** Whether a certificate (by the hex SHA-256 of its DER) is one of the server CA's. */
export async function isServerCaCertificate(q: Executor, sha256: string): Promise<boolean> {
  const row = await q
    .selectFrom("server_ca")
    .select("id")
    .where("certificate_sha256", "=", sha256)
    .executeTakeFirst();
  return row !== undefined;
}

export function serverCaUseCases(
  ctx: StoreContext,
  secret: Uint8Array | undefined,
  options: { crlDistributionPoint?: string } = {},
) {
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

  /** The current CA's revocation state, cheaply: what a published CRL was made from. */
  async function revocationState(): Promise<string | undefined> {
    const row = await ctx.db
      .selectFrom("server_ca")
      .leftJoin("issued_certificates", (join) =>
        join
          .onRef("issued_certificates.ca_id", "=", "server_ca.id")
          .on("issued_certificates.revoked_at", "is not", null),
      )
      .select([
        "server_ca.id",
        sql<number | string>`count(${sql.ref("issued_certificates.id")})`.as("revoked"),
        sql<number | string | null>`max(${sql.ref("issued_certificates.revoked_at")})`.as("latest"),
      ])
      .where("server_ca.state", "=", "current")
      .groupBy("server_ca.id")
      .executeTakeFirst();
    return row ? `${row.id}:${row.revoked}:${row.latest ?? ""}` : undefined;
  }

  /** A fresh CRL from the current CA listing every certificate it issued and revoked. */
  async function crl(): Promise<Uint8Array> {
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
  }

  let published: { state: string; der: Uint8Array; at: number } | undefined;
  let publishing: Promise<Uint8Array> | undefined;

  return {
    ensure,
    unsealed,
    /** The CRL address issued certificates carry (null: no public URL was configured). */
    crlDistributionPoint: options.crlDistributionPoint ?? null,

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

    /**
     * Issues a user certificate from the current CA, with the CRL distribution point when the
     * store was opened with a public URL; returns it with the chain to store beside it and the
     * CA's id (for recordIssued).
     */
    async issue(
      request: Omit<IssueUserCertificateOptions, "crlDistributionPoint" | "now">,
    ): Promise<{ issued: IssuedCertificate; chain: Certificate[]; caId: string }> {
      const { identity, row } = await unsealed();
      const issued = await issueUserCertificate(identity, {
        ...request,
        now: new Date(ctx.now()),
        ...(options.crlDistributionPoint ? { crlDistributionPoint: options.crlDistributionPoint } : {}),
      });
      return { issued, chain: [identity.certificate, ...identity.chain], caId: row.id };
    },

    /** Revokes a certificate if this server issued it; a no-op for imported ones. */
    async revoke(q: Executor, certificateSha256: string, reason: RevocationReason): Promise<boolean> {
      const result = await q
        .updateTable("issued_certificates")
        .set({ revoked_at: ctx.now(), reason })
        .where("certificate_sha256", "=", certificateSha256)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    crl,

    /**
     * The CRL the web publishes without login: made anew only when a revocation changed the
     * current CA's list or the last one is a day old, so anonymous requests cannot make the
     * server unseal the CA key and write a row each time. Each process keeps its own copy.
     */
    async publishedCrl(): Promise<Uint8Array> {
      const state = await revocationState();
      if (published && published.state === state && ctx.now() - published.at < REPUBLISH_MS)
        return published.der;
      publishing ??= (async () => {
        try {
          // The state read before the CRL is made: a revocation that races in makes the next request republish.
          const before = (await revocationState()) ?? "";
          const der = await crl();
          published = { state: before, der, at: ctx.now() };
          return der;
        } finally {
          publishing = undefined;
        }
      })();
      return publishing;
    },

    /** Every certificate the server CA issued (current and earlier CAs), newest first. */
    async issuedCertificates(): Promise<IssuedCertificateRecord[]> {
      const current = await currentRow(ctx.db);
      const rows = await ctx.db
        .selectFrom("issued_certificates")
        .leftJoin("accounts", "accounts.id", "issued_certificates.account_id")
        .select([
          "issued_certificates.ca_id",
          "issued_certificates.serial",
          "issued_certificates.certificate_sha256",
          "issued_certificates.issued_at",
          "issued_certificates.revoked_at",
          "issued_certificates.reason",
          "accounts.address",
        ])
        .orderBy("issued_certificates.issued_at", "desc")
        .orderBy("issued_certificates.serial")
        .execute();
      return rows.map((r) => ({
        serial: r.serial,
        sha256: r.certificate_sha256,
        account: r.address ?? null,
        issuedAt: r.issued_at,
        revokedAt: r.revoked_at,
        reason: r.reason,
        currentCa: r.ca_id === current?.id,
      }));
    },

    /**
     * An administrator revokes a certificate the server CA issued: an account's current
     * certificate, or one named by serial (hex, colons and case ignored) or SHA-256. It is
     * refused at once when reading mail and listed in the next CRL. The account's key stays
     * (old mail still opens); a certificate this server did not issue is "not-found".
     */
    async revokeCertificate(
      target: RevocationTarget,
      reason: RevocationReason = "keyCompromise",
    ): Promise<IssuedCertificateRecord> {
      if (!REVOCATION_REASONS.includes(reason))
        throw new StoreError("invalid-argument", `reason must be one of ${REVOCATION_REASONS.join(", ")}`);
      return write(ctx, async (trx) => {
        let query = trx
          .selectFrom("issued_certificates")
          .leftJoin("accounts", "accounts.id", "issued_certificates.account_id")
          .select([
            "issued_certificates.id",
            "issued_certificates.ca_id",
            "issued_certificates.serial",
            "issued_certificates.certificate_sha256",
            "issued_certificates.issued_at",
            "issued_certificates.revoked_at",
            "issued_certificates.reason",
            "accounts.address",
          ]);
        let what: string;
        if ("account" in target) {
          const address = parseAddress(target.account);
          const sha256 = await currentCertificateSha256ByAddress(trx, address.lower);
          if (!sha256) throw new StoreError("no-key", `${address.address} has no current certificate`);
          query = query.where("issued_certificates.certificate_sha256", "=", sha256);
          what = `the current certificate of ${address.address}`;
        } else if ("serial" in target) {
          // Written the way core writes serialHex: whole bytes, no sign padding.
          const digits = target.serial.replace(/[\s:]/g, "").toLowerCase();
          const serial = (digits.length % 2 ? `0${digits}` : digits).replace(/^00(?=[89a-f])/, "");
          if (!/^[0-9a-f]{1,42}$/.test(serial))
            throw new StoreError(
              "invalid-argument",
              `"${target.serial}" is not a serial number (hexadecimal)`,
              {
                field: "serial",
              },
            );
          query = query.where("issued_certificates.serial", "=", serial);
          what = `serial ${serial}`;
        } else {
          const sha256 = target.sha256.replace(/[\s:]/g, "").toLowerCase();
          if (!/^[0-9a-f]{64}$/.test(sha256))
            throw new StoreError(
              "invalid-argument",
              `"${target.sha256}" is not a SHA-256 (64 hexadecimal digits)`,
              {
                field: "sha256",
              },
            );
          query = query.where("issued_certificates.certificate_sha256", "=", sha256);
          what = `sha256 ${sha256}`;
        }
        const rows = await query.orderBy("issued_certificates.issued_at", "desc").execute();
        const row = rows[0];
        if (!row) throw new StoreError("not-found", `${what} is not a certificate this server issued`);
        // A retired key (superseded on renewal…) keeps what it signed before; learning later that it
        // was compromised must still reach back, so that one change of reason is allowed.
        const escalate =
          row.revoked_at !== null && reason === "keyCompromise" && row.reason !== "keyCompromise";
        if (row.revoked_at !== null && !escalate)
          throw new StoreError("conflict", `${what} is already revoked`);
        const now = escalate ? Number(row.revoked_at) : ctx.now();
        await trx
          .updateTable("issued_certificates")
          .set({ revoked_at: now, reason })
          .where("id", "=", row.id)
          .execute();
        const current = await currentRow(trx);
        return {
          serial: row.serial,
          sha256: row.certificate_sha256,
          account: row.address ?? null,
          issuedAt: row.issued_at,
          revokedAt: now,
          reason,
          currentCa: row.ca_id === current?.id,
        };
      });
    },

    /** Whether a certificate this server issued has been revoked (imported certificates: never known). */
    async isRevoked(certificateSha256: string): Promise<boolean> {
      return (await this.revocation(certificateSha256)) !== undefined;
    },

    /** When and why the server CA revoked a certificate it issued, or undefined. */
    async revocation(
      certificateSha256: string,
    ): Promise<{ revokedAt: number; reason: string | null } | undefined> {
      const [row] = await revocationOf(ctx.db, certificateSha256);
      return row && row.revoked_at !== null
        ? { revokedAt: Number(row.revoked_at), reason: row.reason }
        : undefined;
    },
  };
}

export type ServerCa = ReturnType<typeof serverCaUseCases>;
