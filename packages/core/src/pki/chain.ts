import { OID } from "../algorithms.js";
import { type Certificate, hasKeyUsage, isSelfIssued, KEY_USAGE } from "./certificate.js";
import type { Crl } from "./crl.js";
import { sameName } from "./name.js";
import { checkNameConstraints } from "./name-constraints.js";
import { budgetSpentReason, type PathBudget, pathBudget } from "./path-budget.js";
import { akiMismatch, profileViolation } from "./profile.js";
import { parseSignatureAlgorithm } from "./signature-algorithm.js";
import { verifySignature } from "./verify-signature.js";

/**
 * Certificate path validation for S/MIME: RFC 5280 §6 (the subset mail needs) and RFC 8550 §4.
 * Builds leaf → anchor by issuer DN, preferring AKI = SKI, depth-first with backtracking
 * (cross-certificates), with loop detection and caps. Trust comes only from `trust`: a root the
 * message carried is just another untrusted candidate (SMIME-NOTES §7.1).
 *
 * Revocation is soft-fail: a certificate is checked only when a CRL of its issuer is known,
 * verifies under the issuer's key (or a separate CRL-signing key of the same CA, §6.3.3), is not stale at `at` (nextUpdate) and has no critical
 * extension we skip (delta, partitioned, indirect); entries revoked after `at` do not count.
 * Without such a CRL the certificate is not checked.
 *
 * Certificates and CRLs signed with SHA-1 or MD5 are followed like any other, but a path that
 * needs one is `weak-algorithm`, never valid — and only when that is its sole fault: a path
 * that is also revoked, expired, not yet valid or untrusted keeps that status.
 */
export type PathFailure = "revoked" | "expired" | "not-yet-valid" | "untrusted" | "weak-algorithm";

export type PathResult =
  | { ok: true; chain: Certificate[] }
  | { ok: false; status: PathFailure; reason: string; chain?: Certificate[] };

export interface ValidatePathOptions {
  trust: readonly Certificate[];
  intermediates: readonly Certificate[];
  crls?: readonly Crl[];
  at: Date;
  /** Most certificates in a path, leaf and anchor included. Stops absurd chains. */
  maxDepth?: number;
  /** Most issuer candidates tried in one search. Stops exponential cross-certificate meshes. */
  maxCandidates?: number;
  /**
   * Signature checks this search may spend, shared with every other search for the same
   * message (path-budget.ts). Default: a budget of its own.
   */
  budget?: PathBudget;
}

const RANK: Record<PathFailure, number> = {
  revoked: 0,
  expired: 1,
  "not-yet-valid": 1,
  untrusted: 2,
  "weak-algorithm": 3,
};
/** Extensions this module (or certificate.ts) processes; any other critical one fails the path. */
const UNDERSTOOD = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.nameConstraints,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.certificatePolicies, // any policy is acceptable: no initial policy set (RFC 5280 §6.1.1 c)
  OID.crlDistributionPoints,
  "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
]);

export function validatePath(leaf: Certificate, options: ValidatePathOptions): PathResult {
  const maxDepth = options.maxDepth ?? 10;
  let budget = options.maxCandidates ?? 100;
  const { trust, at } = options;
  const crls = options.crls ?? [];
  const spend = options.budget ?? pathBudget();
  const anchorFor = (c: Certificate) => trust.find((a) => sameSubjectAndKey(a, c));
  const pool = dedupe([...trust, ...options.intermediates]);

  let best: { status: PathFailure; reason: string; chain: Certificate[] } | undefined;
  let deepest: Certificate[] = [leaf];
  let edgeFailure: string | undefined;
  const consider = (failure: { status: PathFailure; reason: string; chain: Certificate[] }) => {
    if (!best || RANK[failure.status] < RANK[best.status]) best = failure;
  };

  const leafAnchor = anchorFor(leaf);
  if (leafAnchor) {
    const problem = checkComplete([leafAnchor], crls, at, { budget: spend, pool });
    return problem ? { ok: false, ...problem, chain: [leafAnchor] } : { ok: true, chain: [leafAnchor] };
  }

  const search = (path: Certificate[]): Certificate[] | undefined => {
    const current = path[path.length - 1] as Certificate;
    if (path.length > deepest.length) deepest = path;
    for (const candidate of issuerCandidates(current, pool, trust)) {
      // Loop detection on (subject, key) pairs (RFC 4158 §5.2), which also stops re-issued copies.
      if (path.some((p) => sameSubjectAndKey(p, candidate))) continue;
      if (budget-- <= 0) {
        edgeFailure ??= "path search gave up: too many issuer candidates";
        return undefined;
      }
      if (spend.spent >= spend.limit) {
        edgeFailure ??= budgetSpentReason(spend);
        return undefined;
      }
      const anchor = anchorFor(candidate);
      const edge = checkEdge(path, anchor ?? candidate, anchor !== undefined, spend);
      if (edge) {
        edgeFailure ??= edge;
        continue;
      }
      const next = [...path, anchor ?? candidate];
      if (anchor) {
        const problem = checkComplete(next, crls, at, { budget: spend, pool });
        if (!problem) return next;
        consider({ ...problem, chain: next });
      } else if (next.length < maxDepth) {
        const found = search(next);
        if (found) return found;
      } else {
        edgeFailure ??= `path longer than ${maxDepth} certificates`;
      }
    }
    return undefined;
  };

  const found = search([leaf]);
  if (found) return { ok: true, chain: found };
  if (best) return { ok: false, ...best };
  // No path reached an anchor: report what is wrong with the best partial path, in status order.
  const partial = checkValidity(deepest, crls, at, { budget: spend, pool: [] }).failure;
  if (partial) return { ok: false, ...partial, chain: deepest };
  const top = deepest[deepest.length - 1] as Certificate;
  const reason =
    edgeFailure ??
    (isSelfIssued(top)
      ? `root ${top.subject} is not trusted`
      : `issuer ${top.issuer} not trusted or not found`);
  return { ok: false, status: "untrusted", reason, chain: deepest };
}

/** Candidates whose subject is the certificate's issuer; AKI = SKI matches first, then anchors first. */
function issuerCandidates(
  cert: Certificate,
  pool: readonly Certificate[],
  trust: readonly Certificate[],
): Certificate[] {
  const matches = pool.filter((c) => sameName(c.subjectName, cert.issuerName));
  const aki = cert.authorityKeyIdentifier;
  const score = (c: Certificate) =>
    (aki && c.subjectKeyIdentifier ? (sameDer(aki, c.subjectKeyIdentifier) ? 0 : 4) : 2) +
    (trust.includes(c) ? 0 : 1);
  return matches.sort((a, b) => score(a) - score(b));
}

/** Can `issuer` have issued the last certificate of `path` (RFC 5280 §6.1.3 a, §6.1.4 k–n)? */
function checkEdge(
  path: readonly Certificate[],
  issuer: Certificate,
  isAnchor: boolean,
  budget: PathBudget,
): string | undefined {
  const subject = path[path.length - 1] as Certificate;
  const bad = verifyIssuedBy(subject, issuer, budget);
  if (bad) return `${subject.subject}: ${bad}`;
  const otherKey = akiMismatch(subject, issuer);
  if (otherKey) return `${subject.subject}: ${otherKey}`;
  const bc = issuer.basicConstraints;
  // v1 roots without basicConstraints are acceptable as anchors only.
  if (!(bc?.ca || (isAnchor && bc === undefined))) return `${issuer.subject} is not a CA (basicConstraints)`;
  if (!hasKeyUsage(issuer, KEY_USAGE.keyCertSign)) return `${issuer.subject} lacks keyCertSign`;
  if (bc?.pathLength !== undefined) {
    const below = path.slice(1).filter((c) => !isSelfIssued(c)).length;
    if (below > bc.pathLength)
      return `${issuer.subject} pathLenConstraint ${bc.pathLength} exceeded by ${below} intermediates`;
  }
  return undefined;
}

type Signed = Pick<Certificate, "tbs" | "signatureAlgorithm" | "signatureValue" | "algorithmMismatch">;

/**
 * Does `issuer`'s key verify `signed`'s signature? Returns null or the reason. Works for
 * certificates and CRLs. A weak hash (SHA-1, MD5) still verifies here: `weakSignature` says
 * so, and the path is then `weak-algorithm`. With a budget, each (signed, issuer) pair is
 * checked once and counted.
 */
export function verifyIssuedBy(signed: Signed, issuer: Certificate, budget?: PathBudget): string | null {
  // RFC 5280 §4.1.1.2, §5.1.1.2: the signed and the unsigned algorithm identifiers must agree,
  // or the signature could be read under an algorithm the issuer never chose.
  if (signed.algorithmMismatch)
    return "the signed signature algorithm differs from the outer signatureAlgorithm";
  const alg = parseSignatureAlgorithm(signed.signatureAlgorithm.oid, signed.signatureAlgorithm.parameters);
  if (alg.kind === "unsupported") return alg.reason;
  const digest = alg.digest;
  if (!digest) return `signature algorithm ${signed.signatureAlgorithm.oid} names no hash`;
  const check = (): string | null => {
    const bad = verifySignature(alg, digest, issuer.publicKey, signed.tbs, signed.signatureValue);
    return bad ? `${bad} under ${issuer.subject}` : null;
  };
  if (!budget) return check();
  let byIssuer = budget.seen.get(signed);
  const known = byIssuer?.get(issuer.sha256);
  if (known !== undefined) return known;
  if (budget.spent >= budget.limit) return budgetSpentReason(budget);
  budget.spent++;
  const result = check();
  if (!byIssuer) {
    byIssuer = new Map();
    budget.seen.set(signed, byIssuer);
  }
  byIssuer.set(issuer.sha256, result);
  return result;
}

/** The weak hash (SHA-1, MD5) a certificate or CRL is signed with, else undefined. */
export function weakSignature(signed: Pick<Certificate, "signatureAlgorithm">): string | undefined {
  const alg = parseSignatureAlgorithm(signed.signatureAlgorithm.oid, signed.signatureAlgorithm.parameters);
  return alg.kind !== "unsupported" && alg.digest?.weak ? alg.digest.name : undefined;
}

/**
 * Checks for a path that reached an anchor: revocation, validity, extensions, name
 * constraints; then, as its only remaining fault, a weak hash in a certificate or CRL it used.
 */
function checkComplete(
  path: readonly Certificate[],
  crls: readonly Crl[],
  at: Date,
  ctx: CrlContext,
): { status: PathFailure; reason: string } | undefined {
  const { failure, weakCrls } = checkValidity(path, crls, at, ctx);
  if (failure) return failure;
  for (const [i, cert] of path.entries()) {
    const profile = profileViolation(cert, i === 0 ? "leaf" : "ca", i === path.length - 1);
    if (profile) return { status: "untrusted", reason: profile };
    // The anchor too: a critical extension we cannot honour would constrain everything below it.
    const unknown = cert.extensions.find((e) => e.critical && !UNDERSTOOD.has(e.oid));
    if (unknown)
      return {
        status: "untrusted",
        reason: `${cert.subject} has unrecognised critical extension ${unknown.oid}`,
      };
  }
  const violation = checkNameConstraints(path);
  if (violation) return { status: "untrusted", reason: violation };
  // The anchor's own signature is never relied on (RFC 5280 §6.1: trust is configured).
  for (const cert of path.slice(0, -1)) {
    const weak = weakSignature(cert);
    if (weak)
      return { status: "weak-algorithm", reason: `certificate ${cert.subject} is signed with ${weak}` };
  }
  const weakCrl = weakCrls[0];
  if (weakCrl)
    return {
      status: "weak-algorithm",
      reason: `the CRL of ${weakCrl.issuer} is signed with ${weakSignature(weakCrl)}`,
    };
  return undefined;
}

/**
 * Revocation first, then validity at `at` of every certificate in the path (the status
 * order). `weakCrls`: the SHA-1/MD5-signed CRLs the answer relied on (a listing in one still
 * counts: refusing it would turn "revoked" into "valid").
 */
function checkValidity(
  path: readonly Certificate[],
  crls: readonly Crl[],
  at: Date,
  ctx: CrlContext,
): { failure: { status: PathFailure; reason: string } | undefined; weakCrls: Crl[] } {
  const weakCrls: Crl[] = [];
  const anchor = path.length > 1 ? path[path.length - 1] : undefined;
  for (let i = 0; i + 1 < path.length; i++) {
    const cert = path[i] as Certificate;
    const issuer = path[i + 1] as Certificate;
    for (const crl of crls) {
      if (!sameName(crl.issuerName, cert.issuerName)) continue;
      if (
        crlIsUsable(crl, issuer, at, ctx.budget) &&
        !(anchor && signedByOtherCrlKey(crl, issuer, anchor, at, ctx))
      )
        continue;
      if (weakSignature(crl)) weakCrls.push(crl);
      const entry = crl.revoked.get(cert.serial);
      // A CRL newer than `at` still tells what was revoked by then; later revocations do not count.
      if (entry && entry.revocationDate.getTime() <= at.getTime())
        return {
          failure: {
            status: "revoked",
            reason: `certificate ${cert.subject} (serial ${cert.serialHex}) revoked ${iso(entry.revocationDate)}`,
          },
          weakCrls,
        };
    }
  }
  for (const cert of path) {
    if (at.getTime() > cert.notAfter.getTime())
      return {
        failure: { status: "expired", reason: `certificate ${cert.subject} expired ${iso(cert.notAfter)}` },
        weakCrls,
      };
    if (at.getTime() < cert.notBefore.getTime())
      return {
        failure: {
          status: "not-yet-valid",
          reason: `certificate ${cert.subject} not valid before ${iso(cert.notBefore)}`,
        },
        weakCrls,
      };
  }
  return { failure: undefined, weakCrls };
}

interface CrlContext {
  budget: PathBudget;
  /** Where a CA's separate CRL-signing certificate may be found (anchors and candidates). */
  pool: readonly Certificate[];
}

/**
 * RFC 5280 §6.3.3 (f, g): a CA may sign its CRLs with another key than the one that issued the
 * certificate. Such a CRL counts when a certificate with the CA's name, that key and cRLSign
 * verifies it and has a valid path to the same anchor as the certificate being checked.
 */
function signedByOtherCrlKey(
  crl: Crl,
  issuer: Certificate,
  anchor: Certificate,
  at: Date,
  ctx: CrlContext,
): boolean {
  const aki = crl.authorityKeyIdentifier;
  const signers = ctx.pool
    .filter((c) => !sameDer(c.spki, issuer.spki) && sameName(c.subjectName, crl.issuerName))
    .sort((a, b) => Number(akiMatches(aki, b)) - Number(akiMatches(aki, a))) // AKI = SKI first
    .slice(0, 4);
  return signers.some(
    (signer) =>
      crlIsUsable(crl, signer, at, ctx.budget) === null &&
      // No CRLs in the signer's own search: one level of CRL signers, never a recursion.
      validatePath(signer, { trust: [anchor], intermediates: ctx.pool, at, budget: ctx.budget }).ok,
  );
}

function akiMatches(aki: Uint8Array | undefined, cert: Certificate): boolean {
  return (
    aki !== undefined && cert.subjectKeyIdentifier !== undefined && sameDer(aki, cert.subjectKeyIdentifier)
  );
}

/** null when `crl` may be used to decide about certificates of `issuer` at `at`, else why not (RFC 5280 §6.3). */
export function crlIsUsable(crl: Crl, issuer: Certificate, at: Date, budget?: PathBudget): string | null {
  if (!sameName(crl.issuerName, issuer.subjectName)) return "CRL issuer differs";
  if (crl.unsupportedCritical.length > 0)
    return `CRL has unsupported critical ${crl.unsupportedCritical.join(", ")}`;
  if (!hasKeyUsage(issuer, KEY_USAGE.cRLSign)) return `${issuer.subject} lacks cRLSign`;
  if (crl.nextUpdate && crl.nextUpdate.getTime() < at.getTime()) return "CRL is stale";
  return verifyIssuedBy(crl, issuer, budget);
}

/** RFC 8550 §4.4.2–§4.4.4: null when `cert` may sign (or receive encrypted) mail, else the reason. */
export function checkSmimeUsage(cert: Certificate, purpose: "sign" | "encrypt"): string | null {
  const ku = cert.keyUsage;
  if (ku) {
    if (purpose === "sign" && !ku.has(KEY_USAGE.digitalSignature) && !ku.has(KEY_USAGE.nonRepudiation))
      return "certificate keyUsage lacks digitalSignature and nonRepudiation";
    if (purpose === "encrypt") {
      const needed =
        cert.keyAlgorithm === "EC" || cert.keyAlgorithm === "X25519" ? "keyAgreement" : "keyEncipherment";
      if (!ku.has(KEY_USAGE[needed])) return `certificate keyUsage lacks ${needed}`;
    }
  }
  const eku = cert.extKeyUsage;
  if (eku && !eku.includes(OID.emailProtection) && !eku.includes(OID.anyExtendedKeyUsage))
    return "certificate lacks emailProtection";
  return null;
}

function dedupe(certs: readonly Certificate[]): Certificate[] {
  const seen = new Set<string>();
  return certs.filter((c) => !seen.has(c.sha256) && seen.add(c.sha256) !== undefined);
}

/** The same certificate, or one with the same subject and key (a re-issued copy, a cross-certificate). */
function sameSubjectAndKey(a: Certificate, b: Certificate): boolean {
  return sameDer(a.der, b.der) || (sameDer(a.spki, b.spki) && sameName(a.subjectName, b.subjectName));
}

function sameDer(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ) === 0
  );
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, "Z");
}
