import { type Certificate, parseCertificate } from "@sealbox/core";
import { type Kysely, sql } from "kysely";
import { type StoreContext, write } from "../context.js";
import { isUniqueViolation } from "../db-errors.js";
import { StoreError } from "../errors.js";
import { hotQuery } from "../hot-query.js";
import { newId } from "../ids.js";
import type { Database } from "../schema.js";
import { isServerCaCertificate, serverCaCertificates } from "../secure-mail/server-ca.js";
import { normalizeDomain } from "./domain-name.js";
import { findDomain } from "./domains.js";

export type AnchorCertificate = Pick<Certificate, "der" | "sha256" | "subject">;

export interface TrustAnchor {
  id: string;
  /** null: server-wide. */
  domain: string | null;
  der: Uint8Array;
  sha256: string;
  subject: string;
  /** "server-ca" rows come from the server CA table and cannot be removed here. */
  source: "configured" | "server-ca";
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The subject of a stored certificate ("" when the DER no longer parses). */
function subjectOf(der: Uint8Array): string {
  try {
    return parseCertificate(der).subject;
  } catch {
    return "";
  }
}

/** The server CA's certificates, then the server-wide and the domain's anchors (one query). */
function anchorsQuery(db: Kysely<Database>, name: string, withDer: boolean) {
  return db
    .selectFrom("server_ca")
    .select([
      withDer ? "server_ca.certificate as der" : sql<Uint8Array | null>`null`.as("der"),
      "server_ca.certificate_sha256 as sha256",
      sql<string>`'server-ca'`.as("source"),
      "server_ca.created_at as at",
    ])
    .unionAll(
      db
        .selectFrom("trust_anchors")
        .select([
          withDer ? "trust_anchors.certificate as der" : sql<Uint8Array | null>`null`.as("der"),
          "trust_anchors.sha256 as sha256",
          sql<string>`'configured'`.as("source"),
          "trust_anchors.added_at as at",
        ])
        .where((eb) =>
          eb.or([
            eb("trust_anchors.domain_id", "is", null),
            eb(
              "trust_anchors.domain_id",
              "in",
              eb.selectFrom("domains").select("id").where("name", "=", name),
            ),
          ]),
        ),
    );
}

/** Every message read asks for the hashes; the certificates only when one is new to the process. */
const anchorHashes = hotQuery((db, name: string) => anchorsQuery(db, name, false));
const anchorsWithDer = hotQuery((db, name: string) => anchorsQuery(db, name, true));

export function trustAnchorRepository(ctx: StoreContext) {
  /** The domain's id and normalised name, or null for server-wide. */
  async function scope(domain: string | null): Promise<{ id: string; name: string } | null> {
    if (domain === null) return null;
    const found = await findDomain(ctx.db, domain);
    if (!found) throw new StoreError("not-found", `no domain ${domain}`);
    return { id: found.id, name: found.name };
  }
  const where = (s: { name: string } | null) => (s === null ? "server-wide" : `for ${s.name}`);

  /** The anchors in force for a domain, server CA first, each once; the DER only when asked for. */
  async function anchorsInForce(
    domain: string,
    withDer: boolean,
  ): Promise<Array<{ der: Uint8Array | null; sha256: string; source: TrustAnchor["source"] }>> {
    const name = normalizeDomain(domain);
    const rows = await (withDer ? anchorsWithDer : anchorHashes)(ctx.db, name);
    const seen = new Set<string>();
    return rows
      .sort((a, b) => (a.source === b.source ? a.at - b.at : a.source === "server-ca" ? -1 : 1))
      .filter((r) => !seen.has(r.sha256) && seen.add(r.sha256))
      .map((r) => ({ der: r.der, sha256: r.sha256, source: r.source as TrustAnchor["source"] }));
  }

  return {
    /** Trusts a CA certificate for one domain, or server-wide with `null`. */
    add: async (domain: string | null, certificate: AnchorCertificate): Promise<TrustAnchor> => {
      const s = await scope(domain);
      const now = ctx.now();
      const row = {
        id: newId(now),
        domain_id: s?.id ?? null,
        certificate: certificate.der,
        sha256: certificate.sha256,
        subject: certificate.subject,
        added_at: now,
      };
      try {
        await write(ctx, (trx) => trx.insertInto("trust_anchors").values(row).execute());
      } catch (error) {
        if (isUniqueViolation(error))
          throw new StoreError(
            "conflict",
            `${certificate.subject || "the certificate"} (sha256 ${certificate.sha256}) is already trusted ${where(s)}`,
          );
        throw error;
      }
      return {
        id: row.id,
        domain: s?.name ?? null,
        der: row.certificate,
        sha256: row.sha256,
        subject: row.subject,
        source: "configured",
      };
    },

    /**
     * The anchors in force for a domain: the server CA's certificates (always), the
     * server-wide anchors and the domain's own. With `null`, the server-wide set. A
     * certificate trusted more than once is listed once, by its widest source.
     */
    list: async (domain: string | null): Promise<TrustAnchor[]> => {
      const id = (await scope(domain))?.id ?? null;
      const ca = await serverCaCertificates(ctx.db);
      let query = ctx.db
        .selectFrom("trust_anchors")
        .leftJoin("domains", "domains.id", "trust_anchors.domain_id");
      query =
        id === null
          ? query.where("trust_anchors.domain_id", "is", null)
          : query.where((eb) =>
              eb.or([eb("trust_anchors.domain_id", "is", null), eb("trust_anchors.domain_id", "=", id)]),
            );
      const rows = await query
        .select([
          "trust_anchors.id",
          "trust_anchors.certificate",
          "trust_anchors.sha256",
          "trust_anchors.subject",
          "domains.name as domain",
        ])
        .orderBy("trust_anchors.added_at")
        .execute();
      const seen = new Set<string>();
      const anchors: TrustAnchor[] = [
        ...ca.map((r) => ({
          id: r.id,
          domain: null,
          der: r.certificate,
          sha256: r.certificate_sha256,
          subject: subjectOf(r.certificate),
          source: "server-ca" as const,
        })),
        ...rows.map((r) => ({
          id: r.id,
          domain: r.domain,
          der: r.certificate,
          sha256: r.sha256,
          subject: r.subject,
          source: "configured" as const,
        })),
      ];
      return anchors.filter((a) => !seen.has(a.sha256) && seen.add(a.sha256));
    },

    /**
     * What verifying a signature in a domain trusts, in one query (the hot path of reading
     * mail): the server CA's certificates, the server-wide anchors and the domain's own. No
     * subjects and no check that the domain exists (the caller's account is in it).
     */
    inForce: async (
      domain: string,
    ): Promise<Array<{ der: Uint8Array; sha256: string; source: TrustAnchor["source"] }>> =>
      (await anchorsInForce(domain, true)).map((r) => ({ ...r, der: r.der as Uint8Array })),

    /**
     * The same anchors by hash only, without their certificates: a reader that has parsed
     * them already asks for the certificates (inForce) only when one is new to it.
     */
    inForceHashes: async (
      domain: string,
    ): Promise<Array<{ sha256: string; source: TrustAnchor["source"] }>> =>
      (await anchorsInForce(domain, false)).map(({ sha256, source }) => ({ sha256, source })),

    remove: async (id: string): Promise<void> => {
      const result = await write(ctx, (trx) =>
        trx.deleteFrom("trust_anchors").where("id", "=", id).executeTakeFirst(),
      );
      if (Number(result.numDeletedRows) === 0) throw new StoreError("not-found", `no trust anchor ${id}`);
    },

    /**
     * Removes the anchor a domain (or, with `null`, the server as a whole) trusts by the
     * SHA-256 of its DER (hex, any case), and returns it. The server CA is always trusted:
     * asking to remove it is "forbidden". Anything else not trusted there is "not-found",
     * including a certificate the domain only inherits from the server-wide set.
     */
    removeBySha256: async (domain: string | null, sha256: string): Promise<TrustAnchor> => {
      const hex = sha256.trim().toLowerCase();
      if (!SHA256_HEX.test(hex))
        throw new StoreError("invalid-argument", `"${sha256}" is not a SHA-256 (64 hexadecimal digits)`);
      const s = await scope(domain);
      return write(ctx, async (trx) => {
        const row = await trx
          .selectFrom("trust_anchors")
          .select(["id", "certificate", "sha256", "subject"])
          .where("sha256", "=", hex)
          .where((eb) => (s === null ? eb("domain_id", "is", null) : eb("domain_id", "=", s.id)))
          .executeTakeFirst();
        if (row) {
          const result = await trx.deleteFrom("trust_anchors").where("id", "=", row.id).executeTakeFirst();
          if (Number(result.numDeletedRows) === 1)
            return {
              id: row.id,
              domain: s?.name ?? null,
              der: row.certificate,
              sha256: row.sha256,
              subject: row.subject,
              source: "configured" as const,
            };
        }
        if (await isServerCaCertificate(trx, hex))
          throw new StoreError(
            "forbidden",
            `${hex} is the server CA's certificate, which is always trusted; it cannot be removed as a trust anchor`,
          );
        if (s !== null) {
          const wide = await trx
            .selectFrom("trust_anchors")
            .select("id")
            .where("sha256", "=", hex)
            .where("domain_id", "is", null)
            .executeTakeFirst();
          if (wide)
            throw new StoreError(
              "not-found",
              `${hex} is trusted server-wide, not by ${s.name} alone; it cannot be removed for one domain`,
            );
        }
        throw new StoreError("not-found", `no trust anchor ${hex} ${where(s)}`);
      });
    },
  };
}

export type TrustAnchorRepository = ReturnType<typeof trustAnchorRepository>;
