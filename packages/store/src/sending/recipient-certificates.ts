import { type Certificate, checkSmimeUsage, parseCertificate } from "@sealbox/core";
import type { StoreContext } from "../context.js";

export interface CertificateSources {
  addressBook(accountId: string, address: string): Promise<Array<{ der: Uint8Array }>>;
  directory(address: string): Promise<{ certificate: Uint8Array } | undefined>;
  isRevoked(sha256: string): Promise<boolean>;
}

export type CertificateLookup = { ok: true; certificate: Certificate } | { ok: false; reason: string };

/**
 * The certificate to encrypt to for one address: from the account's
 * address books first, then the directory of local users; the newest that is valid now,
 * usable for encryption, not revoked, and issued for that address. A usable certificate the
 * user filed (Take Certificate) wins over a newer one in the directory. Otherwise why not.
 */
export async function recipientCertificate(
  ctx: StoreContext,
  sources: CertificateSources,
  accountId: string,
  address: string,
): Promise<CertificateLookup> {
  const candidates: Certificate[] = [];
  const fromBook = new Set<Certificate>();
  for (const entry of await sources.addressBook(accountId, address)) {
    try {
      const cert = parseCertificate(entry.der);
      candidates.push(cert);
      fromBook.add(cert);
    } catch {
      // A damaged stored certificate is skipped, never fatal.
    }
  }
  const published = await sources.directory(address);
  if (published) candidates.push(parseCertificate(published.certificate));
  if (candidates.length === 0) return { ok: false, reason: "no certificate" };

  const now = ctx.now();
  const wanted = address.trim().toLowerCase();
  const reasons: string[] = [];
  const usable: Certificate[] = [];
  for (const cert of candidates) {
    if (!cert.emails.some((e) => e.toLowerCase() === wanted))
      reasons.push("certificate is for another address");
    else if (cert.notAfter.getTime() < now)
      reasons.push(`certificate expired ${cert.notAfter.toISOString().slice(0, 10)}`);
    else if (cert.notBefore.getTime() > now) reasons.push("certificate not yet valid");
    else if (checkSmimeUsage(cert, "encrypt"))
      reasons.push(`wrong usage: ${checkSmimeUsage(cert, "encrypt")}`);
    else if (await sources.isRevoked(cert.sha256)) reasons.push("certificate revoked");
    else usable.push(cert);
  }
  usable.sort((a, b) => b.notBefore.getTime() - a.notBefore.getTime());
  const newest = usable.find((c) => fromBook.has(c)) ?? usable[0];
  if (newest) return { ok: true, certificate: newest };
  return { ok: false, reason: [...new Set(reasons)].join("; ") };
}
