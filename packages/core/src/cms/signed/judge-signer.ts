import { matchAddress } from "../../address/index.js";
import type { DigestInfo } from "../../algorithms.js";
import type { Certificate } from "../../pki/certificate.js";
import { checkSmimeUsage, validatePath } from "../../pki/chain.js";
import type { Crl } from "../../pki/crl.js";
import type { PathBudget } from "../../pki/path-budget.js";
import type { SignerStatus } from "./types.js";

export interface JudgeContext {
  trust: readonly Certificate[];
  /** Message certificates, then known ones: path-building candidates. */
  intermediates: readonly Certificate[];
  crls: readonly Crl[];
  at: Date;
  expectedAddresses: readonly string[] | undefined;
  maxPathCandidates: number | undefined;
  /** What the certificate must be allowed to do (RFC 8550 §4.4); signing unless said otherwise. */
  purpose?: "sign" | "encrypt" | "any";
  /** Most certificates in a path, leaf and anchor included (validatePath's default otherwise). */
  maxDepth?: number;
  /** Signature checks left for the whole message (every signer, every layer). */
  budget: PathBudget;
}

export interface Judgement {
  status: Exclude<SignerStatus, "bad-signature" | "unknown-signer" | "unsupported-algorithm">;
  reason: string;
  chain: Certificate[];
  email: string | undefined;
}

/**
 * Everything after a cryptographically good signature, in the status order: revoked,
 * expired / not-yet-valid, untrusted (path validation), wrong-usage (RFC 8550 §4.4), weak
 * algorithm (an MD5 digest, or a SHA-1/MD5-signed certificate or CRL the path needs: never
 * valid), address mismatch (RFC 8550 §3), else valid. `digest` is the signature's; a
 * certificate judged on its own (verifyCertificate) has none.
 */
export function judgeSigner(cert: Certificate, digest: DigestInfo | undefined, ctx: JudgeContext): Judgement {
  const firstEmail = cert.emails[0];
  const path = validatePath(cert, {
    trust: ctx.trust,
    intermediates: ctx.intermediates,
    crls: ctx.crls,
    at: ctx.at,
    maxCandidates: ctx.maxPathCandidates,
    ...(ctx.maxDepth !== undefined ? { maxDepth: ctx.maxDepth } : {}),
    budget: ctx.budget,
  });
  // A path whose only fault is a weak hash still goes through the usage check: wrong-usage
  // comes first in the status order.
  if (!path.ok && path.status !== "weak-algorithm")
    return { status: path.status, reason: path.reason, chain: path.chain ?? [cert], email: firstEmail };
  const chain = path.chain ?? [cert];
  const purpose = ctx.purpose ?? "sign";
  const usage = purpose === "any" ? null : checkSmimeUsage(cert, purpose);
  if (usage) return { status: "wrong-usage", reason: usage, chain, email: firstEmail };
  if (!path.ok) return { status: path.status, reason: path.reason, chain, email: firstEmail };
  if (digest?.name === "MD5")
    return {
      status: "weak-algorithm",
      reason: "signed with MD5, which is never accepted",
      chain,
      email: firstEmail,
    };
  if (ctx.expectedAddresses) {
    if (ctx.expectedAddresses.length === 0)
      return {
        status: "address-mismatch",
        reason: "the message's From field holds no mail address to match the certificate against",
        chain,
        email: firstEmail,
      };
    if (cert.emails.length === 0)
      return {
        status: "address-mismatch",
        reason: "certificate has no email address",
        chain,
        email: undefined,
      };
    const matched = matchAddress(cert.emails, ctx.expectedAddresses);
    if (!matched)
      return {
        status: "address-mismatch",
        reason: `no certificate address matches ${ctx.expectedAddresses.join(", ")} (certificate: ${cert.emails.join(", ")})`,
        chain,
        email: firstEmail,
      };
    return { status: "valid", reason: validReason(digest), chain, email: matched };
  }
  return { status: "valid", reason: validReason(digest), chain, email: firstEmail };
}

function validReason(digest: DigestInfo | undefined): string {
  if (!digest) return "certificate trusted";
  return digest.weak
    ? `signature verified and certificate trusted (weak digest ${digest.name})`
    : "signature verified and certificate trusted";
}
