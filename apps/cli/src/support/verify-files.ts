import { readFileSync } from "node:fs";
import { type CertificatePurpose, type CertificateVerdict, encodedObjects } from "@sealbox/core";
import { AbortError } from "../errors.js";

/**
 * The file side of `sealbox cert verify`: certificate and CRL files as users have them (PEM with
 * several blocks, or DER, one object after another) and the verdict as JSON. The judging is
 * core's verifyCertificate, the same rules `smime open` applies to a signer.
 */
const CERTIFICATE_LABELS = new Set(["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE", "DER"]);
const CRL_LABELS = new Set(["X509 CRL", "DER"]);

export const PURPOSES: readonly CertificatePurpose[] = ["any", "email-sign", "email-encrypt"];

/** Every certificate (or CRL) in a file; a missing file or one with none is an AbortError (exit 1). */
export function readObjects(file: string, kind: "certificate" | "crl"): Uint8Array[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new AbortError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      "io",
    );
  }
  const labels = kind === "crl" ? CRL_LABELS : CERTIFICATE_LABELS;
  const objects = encodedObjects(bytes).filter((o) => labels.has(o.label));
  if (objects.length === 0)
    throw new AbortError(
      `${file} holds no PEM or DER ${kind === "crl" ? "CRL" : "certificate"}`,
      "malformed",
    );
  return objects.map((o) => o.der);
}

const ISO_8601 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:[.,]\d+)?(Z|[+-]\d{2}:?\d{2})$/i;

/** An ISO-8601 date-time; a fraction of a second is floored (X.509 times have whole seconds). */
export function parseAt(text: string): Date | undefined {
  const match = ISO_8601.exec(text.trim());
  if (!match) return undefined;
  const zone = (match[2] as string).toUpperCase();
  const offset = /^[+-]\d{4}$/.test(zone) ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const date = new Date(`${match[1]}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function verdictJson(verdict: CertificateVerdict, at: Date) {
  return {
    valid: verdict.valid,
    status: verdict.status,
    reason: verdict.reason,
    chain: verdict.chain.map((c) => ({ subject: c.subject, sha256: c.sha256 })),
    at: at.toISOString(),
    ignored: verdict.ignored,
  };
}
