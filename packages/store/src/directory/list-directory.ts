import { parseCertificate } from "@sealbox/core";
import type { StoreContext } from "../context.js";
import { normalizeDomain } from "../domains/domain-name.js";
import { findDomain } from "../domains/domains.js";
import { StoreError } from "../errors.js";
import { publishedKeysOfDomain } from "../secure-mail/key-repository.js";

/** One local address the directory answers for, as the administration lists it (no key material). */
export interface DirectoryListing {
  address: string;
  /** The From address, when set: the certificate is found by it too. */
  fromAddress: string | null;
  realName: string;
  subject: string;
  sha256: string;
  notAfter: number;
}

/**
 * Which local addresses of a domain have a certificate in the directory right now, by
 * address: the same rule lookupDirectory answers by, so an empty list while the domain's
 * directory (or S/MIME) is off.
 */
export function directoryListing(ctx: StoreContext) {
  return async function listDirectory(domain: string): Promise<DirectoryListing[]> {
    const found = await findDomain(ctx.db, domain);
    if (!found) throw new StoreError("not-found", `no domain ${normalizeDomain(domain)}`);
    const rows = await publishedKeysOfDomain(ctx.db, found.id);
    return rows.map((r) => {
      let subject = "";
      try {
        subject = parseCertificate(r.certificate).subject;
      } catch {
        // A stored certificate that no longer parses is still listed, by its fingerprint.
      }
      return {
        address: r.address,
        fromAddress: r.fromAddress,
        realName: r.realName,
        subject,
        sha256: r.sha256,
        notAfter: r.notAfter,
      };
    });
  };
}
