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
  for (let i = path.length - 1; i >= 1; i--) {
    const ca = path[i] as Certificate;
    const constraints = ca.extensions.find((e) => e.oid === OID.nameConstraints);
    if (!constraints) continue;
    for (let j = i - 1; j >= 0; j--) {
      const cert = path[j] as Certificate;
      if (j > 0 && isSelfIssued(cert)) continue; // RFC 5280 §6.1.3 b
      const violation = nameConstraintViolation(constraints.value, cert);
      if (violation) return `${cert.subject} violates name constraints of ${ca.subject}: ${violation}`;
    }
  }
  return undefined;
}

function nameConstraintViolation(value: Uint8Array, cert: Certificate): string | undefined {
  const ctx = berContext({ maxNodes: 10_000 });
  const root = readRoot(value, ctx);
  const names = subjectNames(cert);
  for (const subtrees of children(value, root, ctx)) {
    const permitted = subtrees.tag === 0xa0;
    const bases = children(value, subtrees, ctx).map((s) => children(value, s, ctx)[0] as Tlv);
    for (const type of [0x81, 0x82, 0xa4] as const) {
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
      if ([0x81, 0x82, 0xa4].includes(other.tag)) continue;
      if (names.some((n) => n.type === other.tag))
        return `unsupported name constraint type [${other.tag & 0x1f}]`;
    }
  }
  return undefined;
}

type SubjectName = { type: number; value: string | DistinguishedName; text: string };

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
      const text = Buffer.from(contentBytes(san.value, gn)).toString("latin1");
      out.push({ type: gn.tag, value: text, text });
    }
  }
  return out;
}

function matches(type: number, buf: Uint8Array, base: Tlv, name: string | DistinguishedName): boolean {
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
