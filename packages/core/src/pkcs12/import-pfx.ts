import { createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { CoreError } from "../errors.js";
import type { Certificate } from "../pki/certificate.js";
import type { Identity } from "../pki/identity.js";
import { sameName } from "../pki/name.js";
import {
  type PfxCertificate,
  type PfxKey,
  type ReadPfxOptions,
  readPfxContents,
} from "./read-pfx-contents.js";

export interface ImportPfxOptions extends ReadPfxOptions {
  /** Picks among several certificates of the same key (renewals): valid ones first. */
  now?: Date;
}

export interface ImportedPfx {
  identity: Identity;
  /** How the key and certificates were protected, e.g. "AES-256-CBC (PBKDF2-HMAC-SHA256, 2048 iterations)". */
  encryption: string;
  /** "HMAC-SHA256 (2048 iterations)" or "none". */
  mac: string;
  friendlyName?: string;
  /** Other key/certificate pairs in the same file (rare: separate signing and encryption keys). */
  others: Identity[];
  /** Facts worth showing: no MAC, a legacy password encoding was needed, skipped parts. */
  notes: string[];
}

/**
 * Imports a PKCS#12 file (RFC 7292) from any common writer. The certificate returned with
 * the key is the one whose public key equals the key's (SMIME-NOTES §6.6), whatever the bag
 * order; the rest become the chain, leaf→root where issuer names link them.
 * Errors (CoreError codes, in this order): corrupt, wrong-password / integrity,
 * unsupported-algorithm, limit-exceeded (KDF cap), no-key, missing-certificates (a key and no
 * certificate), key-certificate-mismatch.
 */
export function importPfx(bytes: Uint8Array, password: string, options: ImportPfxOptions = {}): ImportedPfx {
  const contents = readPfxContents(bytes, password, options);
  const now = options.now ?? new Date();
  const pairs: Array<{ key: PfxKey; cert: PfxCertificate }> = [];
  for (const key of contents.keys) {
    const cert = certificateFor(key, contents.certificates, now);
    if (cert) pairs.push({ key, cert });
  }
  const first = pairs[0];
  if (!first) {
    if (contents.undecrypted > 0)
      throw new CoreError(
        "wrong-password",
        "part of the file (holding the certificate) does not decrypt with this password",
      );
    if (contents.unsupported.length > 0)
      throw new CoreError(
        "unsupported-algorithm",
        `unsupported algorithm: ${contents.unsupported.join(", ")}`,
      );
    // Nothing to mismatch with: the file lacks the certificate, which is another fix for the user.
    if (contents.certificates.length === 0)
      throw new CoreError("missing-certificates", "the file holds a private key but no certificate");
    throw new CoreError(
      "key-certificate-mismatch",
      "the file's private key matches none of its certificates",
    );
  }
  if (!consistent(first.key.key, first.cert.certificate))
    throw new CoreError(
      "integrity",
      "the private key does not work with its certificate's public key: the file is damaged",
    );
  const allCerts = contents.certificates.map((c) => c.certificate);
  const identityOf = (pair: (typeof pairs)[number]): Identity => ({
    privateKey: pair.key.key,
    certificate: pair.cert.certificate,
    chain: orderChain(pair.cert.certificate, allCerts),
  });
  const keyProtection = first.key.protection;
  const certProtection = first.cert.protection;
  const friendlyName = first.cert.attributes.friendlyName ?? first.key.attributes.friendlyName;
  return {
    identity: identityOf(first),
    encryption:
      keyProtection === certProtection
        ? keyProtection
        : `key: ${keyProtection}; certificates: ${certProtection}`,
    mac: contents.mac,
    ...(friendlyName !== undefined ? { friendlyName } : {}),
    others: pairs.slice(1).map(identityOf),
    notes: contents.notes,
  };
}

/**
 * The certificate for a key: same SubjectPublicKeyInfo (never just "the first certificate");
 * among several (a renewed certificate for the same key) prefer one valid at `now`, then the
 * one carrying the key's localKeyId, then the newest.
 */
function certificateFor(key: PfxKey, certs: PfxCertificate[], now: Date): PfxCertificate | undefined {
  const spki = createPublicKey(key.key).export({ type: "spki", format: "der" });
  // Compare node's normalised SPKI export, so a compressed EC point in a certificate still matches.
  const matching = certs.filter(
    (c) => Buffer.compare(spki, c.certificate.publicKey.export({ type: "spki", format: "der" })) === 0,
  );
  const keyId = key.attributes.localKeyId;
  const sameId = (c: PfxCertificate) =>
    keyId !== undefined &&
    c.attributes.localKeyId !== undefined &&
    Buffer.compare(Buffer.from(keyId), Buffer.from(c.attributes.localKeyId)) === 0;
  const valid = (c: PfxCertificate) => c.certificate.notBefore <= now && now <= c.certificate.notAfter;
  const score = (c: PfxCertificate): number => (valid(c) ? 4 : 0) + (sameId(c) ? 2 : 0);
  return matching.sort(
    (a, b) => score(b) - score(a) || b.certificate.notAfter.getTime() - a.certificate.notAfter.getTime(),
  )[0];
}

/** A pairwise-consistency check (sign, then verify with the certificate): catches a damaged private half. */
function consistent(privateKey: KeyObject, cert: Certificate): boolean {
  const type = privateKey.asymmetricKeyType;
  if (type !== "rsa" && type !== "rsa-pss" && type !== "ec" && type !== "ed25519" && type !== "ed448")
    return true;
  const data = Buffer.from("sealbox pairwise consistency check");
  const digest = type === "ed25519" || type === "ed448" ? null : "sha256";
  try {
    return verify(digest, data, cert.publicKey, sign(digest, data, privateKey));
  } catch {
    return false;
  }
}

/** The other certificates, leaf→root by issuer/subject names (AKI/SKI breaks ties), then the unrelated ones. */
export function orderChain(leaf: Certificate, certs: readonly Certificate[]): Certificate[] {
  const seen = new Set<string>([leaf.sha256]);
  const remaining = certs.filter((c) => !seen.has(c.sha256) && seen.add(c.sha256));
  const chain: Certificate[] = [];
  let current = leaf;
  while (!sameName(current.issuerName, current.subjectName)) {
    const issuers = remaining.filter((c) => sameName(c.subjectName, current.issuerName));
    const aki = current.authorityKeyIdentifier;
    const next =
      issuers.find(
        (c) =>
          aki &&
          c.subjectKeyIdentifier &&
          Buffer.compare(Buffer.from(aki), Buffer.from(c.subjectKeyIdentifier)) === 0,
      ) ?? issuers[0];
    if (!next) break;
    chain.push(next);
    remaining.splice(remaining.indexOf(next), 1);
    current = next;
  }
  return [...chain, ...remaining];
}
