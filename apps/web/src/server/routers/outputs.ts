import { z } from "zod";

/**
 * What procedures that touch messages and keys may return: declared field by field, so a
 * field added to a store result never reaches the browser by accident (no key material, no
 * raw bytes, no certificates beyond what a user is shown).
 */
export const ZSummary = z.object({
  id: z.string(),
  mailboxId: z.string(),
  from: z.string(),
  to: z.string(),
  subject: z.string(),
  date: z.number(),
  size: z.number(),
  flags: z.array(z.string()),
  security: z.string(),
  cipher: z.string().nullable(),
});

export const ZCertificateView = z.object({
  subject: z.string(),
  issuer: z.string(),
  emails: z.array(z.string()),
  notBefore: z.string(),
  notAfter: z.string(),
  sha256: z.string(),
  serial: z.string(),
});

const ZSigner = z.object({
  index: z.number(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  display: z.string(),
  status: z.string(),
  valid: z.boolean(),
  reason: z.string(),
  problem: z.string().nullable(),
  digest: z.string(),
  signingTime: z.string().nullable(),
  certificate: ZCertificateView.nullable(),
  /** What the selected address book holds for the signer's address; changed: it holds another. */
  storedCertificate: z.object({ sha256: z.string() }).nullable(),
  changed: z.boolean(),
});

const ZLayer = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("encrypted"),
    kind: z.enum(["enveloped", "authEnveloped"]),
    cipher: z.string(),
    recipients: z.number(),
    banner: z.string(),
  }),
  z.object({
    type: z.literal("signed"),
    form: z.enum(["detached", "opaque"]),
    digest: z.string(),
    content: z.string(),
    banner: z.string(),
    signers: z.array(ZSigner),
    verified: z.boolean(),
    scope: z.enum(["message", "part"]),
    path: z.string().nullable(),
    verifiedBy: z.string(),
  }),
]);

export const ZMessageView = z.object({
  summary: ZSummary,
  state: z.enum(["plain", "opened", "locked", "failed"]),
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  layers: z.array(ZLayer),
  headers: z.object({
    subject: z.string(),
    from: z.string(),
    to: z.string(),
    cc: z.string(),
    bcc: z.string(),
    replyTo: z.string(),
    date: z.string().nullable(),
    messageId: z.string().nullable(),
    inReplyTo: z.string().nullable(),
    references: z.string().nullable(),
  }),
  text: z.string().nullable(),
  html: z.string().nullable(),
  attachments: z.array(
    z.object({
      index: z.number(),
      filename: z.string(),
      contentType: z.string(),
      size: z.number(),
      inline: z.boolean(),
      contentId: z.string().nullable(),
      smime: z.boolean(),
    }),
  ),
});

export const ZTakeCertificate = z.object({
  status: z.enum(["taken", "already-taken", "needs-confirmation"]),
  why: z.enum(["untrusted", "replace"]).nullable(),
  fingerprint: z.string(),
  contact: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable(),
  created: z.boolean(),
  replaced: z.array(z.string()),
});

export const ZLockState = z.object({
  smimeEnabled: z.boolean(),
  hasKey: z.boolean(),
  unlocked: z.boolean(),
  expiresAt: z.number().nullable(),
  lifetimeSeconds: z.number(),
  now: z.number(),
});
