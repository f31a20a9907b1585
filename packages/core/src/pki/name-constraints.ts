import { domainWithin, normaliseDomain } from "../address/index.js";
import { OID } from "../algorithms.js";
import { berContext, children, contentBytes, readRoot, type Tlv } from "../asn1/ber-reader.js";
import { type Certificate, isSelfIssued } from "./certificate.js";
import { type DistinguishedName, readName } from "./name.js";

/**
 * Name constraints (RFC 5280 §4.2.1.10, applied as §6.1.3 b/§6.1.4 g) for the name forms mail
 * needs: rfc822Name (SAN and the subject's emailAddress), dNSName and directoryName. A
 * constraint of another type that the certificate has names of fails the path (we cannot tell).
 * Returns the reason the path `leaf … anchor` violates a CA's constraints, or undefined.
 */
export function checkNameConstraints(path: readonly Certificate[]): string | undefined {
  const budget = { left: MAX_NAME_CHECKS };
  for (let i = path.length - 1; i >= 1; i--) {
    const ca = path[i] as Certificate;
    const constraints = ca.extensions.find((e) => e.oid === OID.nameConstraints);
    if (!constraints) continue;
    for (let j = i - 1; j >= 0; j--) {
      const cert = path[j] as Certificate;
      if (j > 0 && isSelfIssued(cert)) continue; // RFC 5280 §6.1.3 b
      const violation = nameConstraintViolation(constraints.value, cert, budget);
      if (violation) return `${cert.subject} violates name constraints of ${ca.subject}: ${violation}`;
    }
  }
  return undefined;
}

/**
 * Most (name, constraint) comparisons in one path: a CA with thousands of subtrees over a
 * certificate with thousands of names is a denial of service, not a real PKI (OpenSSL caps the
 * same product at 2^20).
 */
const MAX_NAME_CHECKS = 1 << 20;
const SUPPORTED = [0x81, 0x82, 0xa4, 0x87];

function nameConstraintViolation(
  value: Uint8Array,
  cert: Certificate,
  budget: { left: number },
): string | undefined {
  const ctx = berContext({ maxNodes: 100_000 });
  const root = readRoot(value, ctx);
  const names = subjectNames(cert);
  // §4.2.1.10: permittedSubtrees [0] and/or excludedSubtrees [1], each SIZE (1..MAX).
  const lists = root.tag === 0x30 ? children(value, root, ctx) : [];
  if (
    lists.length === 0 ||
    lists.some((l) => (l.tag !== 0xa0 && l.tag !== 0xa1) || children(value, l, ctx).length === 0)
  )
    return "malformed nameConstraints (empty or not permitted/excluded subtrees)";
  for (const subtrees of lists) {
    const permitted = subtrees.tag === 0xa0;
    const bases = children(value, subtrees, ctx).map((s) => children(value, s, ctx)[0] as Tlv);
    budget.left -= bases.length * names.length;
    if (budget.left < 0) return "too many names and name constraints to compare";
    for (const base of bases.filter((b) => b.tag === 0x87)) {
      const bytes = contentBytes(value, base);
      if (!validIpConstraint(bytes)) return "malformed iPAddress name constraint";
    }
    for (const type of [0x81, 0x82, 0xa4, 0x87] as const) {
      const ofType = bases.filter((b) => b.tag === type);
      if (ofType.length === 0) continue;
      const mine = names.filter((n) => n.type === type);
      for (const name of mine) {
        const hit = ofType.some((b) => matches(type, value, b, name.value));
        if (permitted && !hit) return `${name.text} is outside the permitted subtrees`;
        if (!permitted && hit) return `${name.text} is in an excluded subtree`;
      }
    }
    for (const other of bases) {
      if (SUPPORTED.includes(other.tag)) continue;
      if (names.some((n) => n.type === other.tag))
        return `unsupported name constraint type [${other.tag & 0x1f}]`;
    }
  }
  return undefined;
}

type SubjectName = { type: number; value: string | DistinguishedName | Uint8Array; text: string };

function subjectNames(cert: Certificate): SubjectName[] {
  const out: SubjectName[] = [];
  if (cert.subjectName.attributes.length > 0)
    out.push({ type: 0xa4, value: cert.subjectName, text: cert.subject });
  // RFC 5280 §4.2.1.10: rfc822Name constraints also apply to the subject's emailAddress.
  for (const email of cert.emails) out.push({ type: 0x81, value: email, text: email });
  const san = cert.extensions.find((e) => e.oid === OID.subjectAltName);
  if (san) {
    const ctx = berContext({ maxNodes: 10_000 });
    for (const gn of children(san.value, readRoot(san.value, ctx), ctx)) {
      if (gn.tag === 0x81) continue; // already in cert.emails
      if (gn.tag === 0xa4) {
        const [inner] = children(san.value, gn, ctx);
        if (inner) {
          const dn = readName(san.value, inner, ctx);
          out.push({ type: 0xa4, value: dn, text: dn.attributes.map((a) => a.value).join(", ") });
        }
        continue;
      }
      if (gn.tag === 0x87) {
        const bytes = contentBytes(san.value, gn);
        out.push({ type: 0x87, value: bytes, text: ipText(bytes) });
        continue;
      }
      const text = Buffer.from(contentBytes(san.value, gn)).toString("latin1");
      out.push({ type: gn.tag, value: text, text });
    }
  }
  return out;
}

function matches(
  type: number,
  buf: Uint8Array,
  base: Tlv,
  name: string | DistinguishedName | Uint8Array,
): boolean {
  if (type === 0x87) {
    if (!(name instanceof Uint8Array)) return false;
    const constraint = contentBytes(buf, base);
    if (constraint.length !== name.length * 2) return false; // other address family
    return name.every(
      (b, k) =>
        (b & (constraint[name.length + k] as number)) ===
        ((constraint[k] as number) & (constraint[name.length + k] as number)),
    );
  }
  if (name instanceof Uint8Array) return false;
  if (type === 0xa4) {
    const [inner] = children(buf, base);
    if (!inner || typeof name === "string") return false;
    const constraint = readName(buf, inner).attributes;
    const norm = (s: string) => s.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
    return (
      constraint.length <= name.attributes.length &&
      constraint.every((c, k) => {
        const mine = name.attributes[k];
        return mine !== undefined && mine.oid === c.oid && norm(mine.value) === norm(c.value);
      })
    );
  }
  if (typeof name !== "string") return false;
  const constraint = Buffer.from(contentBytes(buf, base)).toString("latin1");
  // dNSName: the host and every name below it (a leading "." is tolerated as the same thing).
  if (type === 0x82) return domainWithin(name, constraint.replace(/^\.+/, ""));
  const at = name.lastIndexOf("@");
  const host = name.slice(at + 1);
  if (constraint.includes("@")) {
    // A whole mailbox: the local part is case-sensitive here (RFC 5280 §4.2.1.10), the host is not.
    const cAt = constraint.lastIndexOf("@");
    return (
      name.slice(0, at) === constraint.slice(0, cAt) &&
      normaliseDomain(host) === normaliseDomain(constraint.slice(cAt + 1))
    );
  }
  // ".example.com": any host below it; "example.com": that host only. Domains compare in the
  // one normal form (A-labels, no trailing dot), so `a@excluded.example.` is still excluded.
  if (constraint.startsWith(".")) return domainWithin(host, constraint);
  return normaliseDomain(host) === normaliseDomain(constraint);
}

/** RFC 5280 §4.2.1.10: an IPv4 (8 octets) or IPv6 (32 octets) address and a contiguous mask. */
function validIpConstraint(bytes: Uint8Array): boolean {
  if (bytes.length !== 8 && bytes.length !== 32) return false;
  const mask = [...bytes.subarray(bytes.length / 2)].map((b) => b.toString(2).padStart(8, "0")).join("");
  return /^1*0*$/.test(mask);
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join(".");
  return Buffer.from(bytes)
    .toString("hex")
    .replace(/(.{4})(?!$)/g, "$1:");
}
