import { createHash, timingSafeEqual } from "node:crypto";
import { type DigestInfo, describeOid, OID } from "../../algorithms.js";
import type { BerContext } from "../../asn1/ber-reader.js";
import { CoreError } from "../../errors.js";
import { type Certificate, keyIdentifier } from "../../pki/certificate.js";
import { sameName } from "../../pki/name.js";
import {
  parseSignatureAlgorithm,
  readAlgorithmIdentifier,
  type SignatureScheme,
} from "../../pki/signature-algorithm.js";
import {
  createStreamingVerifier,
  type StreamingVerifier,
  verifySignature,
} from "../../pki/verify-signature.js";
import { readDigestAlgorithm } from "./digest-algorithm.js";
import type { ContentSink } from "./feed-content.js";
import { type JudgeContext, judgeSigner } from "./judge-signer.js";
import type { RawSignerInfo, SignerId } from "./parse-signed-data.js";
import { type ReadAttributes, readSignedAttributes } from "./signed-attributes.js";
import type { SignerVerdict } from "./types.js";

const MAX_CERTIFICATES_PER_SIGNER = 4;

/** What a signer can be when its signature was never checked (or did not check out). */
type UncheckedStatus = "bad-signature" | "unknown-signer" | "unsupported-algorithm";

export interface PendingSigner {
  /** The digest this signer needs over the content (undefined when it cannot be checked). */
  digest: DigestInfo | undefined;
  /** Streaming verifiers for signatures made directly over the content. */
  sinks: ContentSink[];
  /** Completes the verdict once the content digests are known. */
  finish(digests: ReadonlyMap<string, Uint8Array>): SignerVerdict;
}

/**
 * One SignerInfo, checked in two phases around the single pass over the content: prepare
 * (algorithms, signer certificate, signed attributes) and finish (RFC 5652 §5.4, §5.6).
 */
export function prepareSigner(
  der: Uint8Array,
  info: RawSignerInfo | { malformed: string },
  eContentType: string,
  candidates: readonly Certificate[],
  berCtx: BerContext,
  judge: JudgeContext,
): PendingSigner {
  const bad = (
    reason: string,
    extra: Partial<SignerVerdict> = {},
    status: UncheckedStatus = "bad-signature",
  ): PendingSigner => ({
    digest: undefined,
    sinks: [],
    finish: () => ({
      emails: [],
      digest: "unknown",
      signatureAlgorithm: "unknown",
      chain: [],
      ...extra,
      status,
      reason,
    }),
  });
  if ("malformed" in info) return bad(`malformed SignerInfo: ${info.malformed}`);
  try {
    return prepareWellFormed(der, info, eContentType, candidates, berCtx, judge, bad);
  } catch (error) {
    // One broken SignerInfo must not hide the verdicts of the others.
    if (error instanceof CoreError && error.code === "malformed")
      return bad(`malformed SignerInfo: ${error.message}`);
    throw error;
  }
}

function prepareWellFormed(
  der: Uint8Array,
  info: RawSignerInfo,
  eContentType: string,
  candidates: readonly Certificate[],
  berCtx: BerContext,
  judge: JudgeContext,
  bad: (reason: string, extra?: Partial<SignerVerdict>, status?: UncheckedStatus) => PendingSigner,
): PendingSigner {
  const { oid: digestOid, digest } = readDigestAlgorithm(der, info.digestAlgorithm);
  const sigAlg = readAlgorithmIdentifier(der, info.signatureAlgorithm);
  const parsed = parseSignatureAlgorithm(sigAlg.oid, sigAlg.params);
  const base = {
    digest: digest?.name ?? digestOid,
    signatureAlgorithm:
      parsed.kind !== "unsupported"
        ? parsed.name
        : sigAlg.oid === OID.rsassaPss
          ? "RSA-PSS"
          : describeOid(sigAlg.oid),
    ...(digest?.weak ? { weakDigest: true as const } : {}),
  };
  // Renewals may share an SKI, so a few certificates can match one signer; a message with
  // dozens of look-alikes only gets the first few tried (each costs a public-key operation).
  const certs = findSignerCertificates(info.sid, candidates).slice(0, MAX_CERTIFICATES_PER_SIGNER);
  const who = (cert: Certificate | undefined): Partial<SignerVerdict> =>
    cert
      ? {
          certificate: cert,
          name: cert.commonName,
          email: cert.emails[0],
          emails: cert.emails,
          chain: [cert],
        }
      : {};
  const full = (cert: Certificate) => ({
    certificate: cert,
    name: cert.commonName,
    emails: cert.emails,
  });
  const first = certs[0];
  // An algorithm we cannot check says nothing about the content: not bad-signature.
  if (!digest)
    return bad(
      `unsupported digest algorithm ${describeOid(digestOid)}`,
      { ...base, ...who(first) },
      "unsupported-algorithm",
    );
  if (parsed.kind === "unsupported")
    return bad(parsed.reason, { ...base, ...who(first) }, "unsupported-algorithm");
  const scheme: SignatureScheme = parsed;
  if (scheme.digest && scheme.digest.name !== digest.name)
    return bad(`signatureAlgorithm uses ${scheme.digest.name} but digestAlgorithm is ${digest.name}`, {
      ...base,
      ...who(first),
    });
  if (!first)
    return bad("signer certificate not found in the message or known certificates", base, "unknown-signer");

  let attrs: ReadAttributes | undefined;
  let signedBytes: Uint8Array | undefined;
  if (info.signedAttrs) {
    attrs = readSignedAttributes(der, info.signedAttrs, berCtx);
    // RFC 5652 §5.4: the received [0] bytes with the tag changed to SET OF (never re-encoded).
    signedBytes = Buffer.from(der.subarray(info.signedAttrs.start, info.signedAttrs.end));
    signedBytes[0] = 0x31;
  } else if (eContentType !== OID.data) {
    return bad("signed attributes are required when eContentType is not id-data", { ...base, ...who(first) });
  }
  const streaming: StreamingVerifier[] = info.signedAttrs
    ? []
    : certs.map((c) => createStreamingVerifier(scheme, digest, c.publicKey));

  return {
    digest,
    sinks: streaming,
    finish(digests) {
      const signingTime = attrs?.signingTime ? { signingTime: attrs.signingTime } : {};
      let lastProblem = "signature value does not verify";
      let lastCert = first;
      const verdicts: SignerVerdict[] = [];
      certs.forEach((cert, index) => {
        const problem = attrs
          ? checkWithAttributes(
              attrs,
              signedBytes as Uint8Array,
              eContentType,
              digests.get(digest.name),
              scheme,
              digest,
              cert,
              info.signature,
            )
          : (streaming[index] as StreamingVerifier).finish(info.signature);
        if (problem) {
          lastProblem = problem;
          lastCert = cert;
          return;
        }
        const j = judgeSigner(cert, digest, judge);
        verdicts.push({
          ...base,
          ...full(cert),
          ...signingTime,
          status: j.status,
          reason: j.reason,
          chain: j.chain,
          email: j.email,
        });
      });
      // Several certificates can match one sid (renewals share an SKI): prefer the best verdict.
      verdicts.sort((a, b) => RANK[a.status] - RANK[b.status]);
      return (
        verdicts[0] ?? {
          ...base,
          ...who(lastCert),
          emails: lastCert.emails,
          ...signingTime,
          status: "bad-signature",
          reason: lastProblem,
          chain: [lastCert],
        }
      );
    },
  };
}

const RANK: Record<SignerVerdict["status"], number> = {
  valid: 0,
  "address-mismatch": 1,
  "weak-algorithm": 2,
  "wrong-usage": 3,
  untrusted: 4,
  "not-yet-valid": 5,
  expired: 5,
  revoked: 6,
  "bad-signature": 7,
  "unsupported-algorithm": 8,
  "unknown-signer": 9,
};

function checkWithAttributes(
  attrs: ReadAttributes,
  signedBytes: Uint8Array,
  eContentType: string,
  contentDigest: Uint8Array | undefined,
  scheme: SignatureScheme,
  digest: DigestInfo,
  cert: Certificate,
  signature: Uint8Array,
): string | null {
  if (attrs.problem) return attrs.problem;
  if (attrs.contentType !== eContentType)
    return `contentType attribute ${attrs.contentType} differs from eContentType ${eContentType}`;
  const bad = verifySignature(scheme, digest, cert.publicKey, signedBytes, signature);
  if (bad) return bad;
  const md = attrs.messageDigest as Uint8Array;
  if (!contentDigest || md.length !== contentDigest.length || !timingSafeEqual(md, contentDigest))
    return "message digest mismatch: content was altered";
  if (attrs.signingCertificate) {
    const { digest: essDigest, hash } = attrs.signingCertificate;
    const actual = createHash(essDigest.node).update(cert.der).digest();
    if (!actual.equals(hash)) return "signingCertificate attribute names a different certificate";
  }
  return null;
}

/** RFC 5652 §5.3 / SMIME-NOTES §2.1: issuer by DER then RFC 5280 name match, serial by value; or SKI. */
export function findSignerCertificates(sid: SignerId, pool: readonly Certificate[]): Certificate[] {
  const found = pool.filter((c) =>
    sid.kind === "issuerAndSerialNumber"
      ? c.serial === sid.serial && sameName(c.issuerName, sid.issuer)
      : Buffer.from(keyIdentifier(c)).equals(sid.keyId),
  );
  const seen = new Set<string>();
  return found.filter((c) => !seen.has(c.sha256) && seen.add(c.sha256) !== undefined);
}
