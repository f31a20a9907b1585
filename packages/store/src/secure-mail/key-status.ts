import type { StoreContext } from "../context.js";
import { keyRows, rowCertificate } from "./key-repository.js";

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

/** What the account's keys are (certificates only; no key is opened). */
export function keyStatusUseCase(ctx: StoreContext) {
  return async function status(accountId: string): Promise<SecureMailStatus> {
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
  };
}
