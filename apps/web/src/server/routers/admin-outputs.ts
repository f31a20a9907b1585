import { z } from "zod";

/**
 * What the admin procedures return, declared field by field: accounts without password hashes,
 * keys as their certificate's description only (subject, issuer, validity, key, fingerprint).
 */
export const ZDomainView = z.object({
  name: z.string(),
  smimeEnabled: z.boolean(),
  directoryEnabled: z.boolean(),
  unlockSeconds: z.number(),
  defaultCipher: z.string(),
  allowedCiphers: z.array(z.string()),
  hideSubject: z.boolean(),
});

export const ZAccountView = z.object({
  address: z.string(),
  domain: z.string(),
  realName: z.string(),
  fromAddress: z.string(),
  role: z.enum(["user", "domain-admin", "server-admin"]),
  disabled: z.boolean(),
  /** The account's own S/MIME switch. */
  smime: z.boolean(),
  /** S/MIME as it applies (the domain's switch too). */
  smimeEnabled: z.boolean(),
});

export const ZKeyStatus = z.object({
  hasKey: z.boolean(),
  subject: z.string().optional(),
  issuer: z.string().optional(),
  serial: z.string().optional(),
  notBefore: z.string().optional(),
  notAfter: z.string().optional(),
  key: z.string(),
  certificateSha256: z.string().optional(),
  earlierKeys: z.number(),
  /** The server CA revoked the current certificate. */
  revoked: z.boolean(),
});

export const ZCaView = z.object({
  subject: z.string(),
  issuer: z.string(),
  serial: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  key: z.string(),
  sha256: z.string(),
  source: z.enum(["generated", "installed"]),
  chain: z.array(z.object({ subject: z.string(), sha256: z.string() })),
  /** Written into issued certificates; null when SEALBOX_PUBLIC_URL is not set. */
  crlDistributionPoint: z.string().nullable(),
  certificatePath: z.string(),
  crlPath: z.string(),
});

export const ZIssuedCertificate = z.object({
  serial: z.string(),
  sha256: z.string(),
  account: z.string().nullable(),
  issuedAt: z.number(),
  revokedAt: z.number().nullable(),
  reason: z.string().nullable(),
  currentCa: z.boolean(),
});

export const ZTrustAnchorView = z.object({
  subject: z.string(),
  sha256: z.string(),
  /** Where the trust comes from: the server CA, server-wide, or this domain (removable here). */
  scope: z.enum(["server-ca", "server-wide", "domain"]),
});

export const ZDirectoryEntry = z.object({
  address: z.string(),
  fromAddress: z.string().nullable(),
  realName: z.string(),
  subject: z.string(),
  sha256: z.string(),
  notAfter: z.number(),
});
