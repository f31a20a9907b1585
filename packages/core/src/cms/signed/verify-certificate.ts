import { isCoreError } from "../../errors.js";
import { type Certificate, parseCertificate } from "../../pki/certificate.js";
import { type Crl, parseCrl } from "../../pki/crl.js";
import { pathBudget } from "../../pki/path-budget.js";
import { judgeSigner } from "./judge-signer.js";
import type { SignerStatus } from "./types.js";

export type CertificatePurpose = "any" | "email-sign" | "email-encrypt";

export interface VerifyCertificateInput {
  /** The certificate to judge (DER). */
  leaf: Uint8Array;
  /** Path-building candidates (DER); unparseable ones are skipped and listed in `ignored`. */
  untrusted?: readonly Uint8Array[];
  /** Trust anchors (DER); unparseable ones are skipped and listed in `ignored`. */
  trust: readonly Uint8Array[];
  /** CRLs (DER); unparseable ones are skipped and listed in `ignored`. */
  crls?: readonly Uint8Array[];
  at: Date;
  /** Default "any": the path alone; "email-sign" is what `open` requires of a signer. */
  purpose?: CertificatePurpose;
  /** An address the certificate must carry (RFC 8550 §3), as for a message's From. */
  email?: string;
  /** Most certificates in a path, leaf and anchor included. */
  maxDepth?: number;
}

export interface CertificateVerdict {
  valid: boolean;
  /** The statuses `open` gives signers (never "bad-signature": there is no message signature). */
  status: SignerStatus;
  reason: string;
  /** leaf → anchor when a path was found, else as far as it got; empty for a malformed leaf. */
  chain: Certificate[];
  ignored: Array<{ kind: "untrusted" | "trust" | "crl"; index: number; reason: string }>;
}

const PURPOSE = { any: "any", "email-sign": "sign", "email-encrypt": "encrypt" } as const;

/**
 * One certificate judged by the same rules `open` applies to a signer's certificate
 * (judgeSigner: path validation, S/MIME usage, address), without a message. Malformed input is
 * a verdict, not an exception: a leaf that does not parse is `untrusted`, other objects that do
 * not parse are left out and named in `ignored`.
 */
export function verifyCertificate(input: VerifyCertificateInput): CertificateVerdict {
  const ignored: CertificateVerdict["ignored"] = [];
  const parseAll = <T>(
    kind: "untrusted" | "trust" | "crl",
    ders: readonly Uint8Array[],
    parse: (d: Uint8Array) => T,
  ) =>
    ders.flatMap((der, index) => {
      try {
        return [parse(der)];
      } catch (error) {
        if (!isCoreError(error)) throw error;
        ignored.push({ kind, index, reason: error.message });
        return [];
      }
    });
  let leaf: Certificate;
  try {
    leaf = parseCertificate(input.leaf);
  } catch (error) {
    if (!isCoreError(error)) throw error;
    return {
      valid: false,
      status: "untrusted",
      reason: `certificate is malformed: ${error.message}`,
      chain: [],
      ignored,
    };
  }
  const trust = parseAll("trust", input.trust, (d) => parseCertificate(d));
  const intermediates = parseAll("untrusted", input.untrusted ?? [], (d) => parseCertificate(d));
  const crls: Crl[] = parseAll("crl", input.crls ?? [], (d) => parseCrl(d));
  // X.509 times have whole seconds (RFC 5280 §4.1.2.5): a fraction past notAfter is still that second.
  const at = new Date(Math.floor(input.at.getTime() / 1000) * 1000);
  const judgement = judgeSigner(leaf, undefined, {
    trust,
    intermediates,
    crls,
    at,
    expectedAddresses: input.email === undefined ? undefined : [input.email],
    maxPathCandidates: undefined,
    // One certificate's paths: the same budget a message gets for all of its signers.
    budget: pathBudget(),
    purpose: PURPOSE[input.purpose ?? "any"],
    ...(input.maxDepth !== undefined ? { maxDepth: input.maxDepth } : {}),
  });
  return {
    valid: judgement.status === "valid",
    status: judgement.status,
    reason: judgement.reason,
    chain: judgement.chain,
    ignored,
  };
}
