import type { Certificate } from "@sealbox/core";
import { type StoreContext, write } from "../context.js";
import { isUniqueViolation } from "../db-errors.js";
import { StoreError } from "../errors.js";
import { newId } from "../ids.js";
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

export function trustAnchorRepository(ctx: StoreContext) {
  async function domainId(domain: string | null): Promise<string | null> {
    if (domain === null) return null;
    const found = await findDomain(ctx.db, domain);
    if (!found) throw new StoreError("not-found", `no domain ${domain}`);
    return found.id;
  }

  return {
    /** Trusts a CA certificate for one domain, or server-wide with `null`. */
    add: async (domain: string | null, certificate: AnchorCertificate): Promise<TrustAnchor> => {
      const id = await domainId(domain);
      const now = ctx.now();
      const row = {
        id: newId(now),
        domain_id: id,
        certificate: certificate.der,
        sha256: certificate.sha256,
        subject: certificate.subject,
        added_at: now,
      };
      try {
        await write(ctx, (trx) => trx.insertInto("trust_anchors").values(row).execute());
      } catch (error) {
        if (isUniqueViolation(error))
          throw new StoreError("conflict", "that certificate is already trusted there");
        throw error;
      }
      return {
        id: row.id,
        domain,
        der: row.certificate,
        sha256: row.sha256,
        subject: row.subject,
        source: "configured",
      };
    },

    /**
     * The anchors in force for a domain: the server CA's certificates (always), the
     * server-wide anchors and the domain's own. With `null`, the server-wide set.
     */
    list: async (domain: string | null): Promise<TrustAnchor[]> => {
      const id = await domainId(domain);
      const ca = await ctx.db
        .selectFrom("server_ca")
        .select(["id", "certificate", "certificate_sha256"])
        .orderBy("created_at")
        .execute();
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
          subject: "",
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

    remove: async (id: string): Promise<void> => {
      const result = await write(ctx, (trx) =>
        trx.deleteFrom("trust_anchors").where("id", "=", id).executeTakeFirst(),
      );
      if (Number(result.numDeletedRows) === 0) throw new StoreError("not-found", `no trust anchor ${id}`);
    },
  };
}

export type TrustAnchorRepository = ReturnType<typeof trustAnchorRepository>;
