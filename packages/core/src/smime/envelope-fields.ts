import { toCanonicalCrlf } from "../mime/canonicalize.js";
import type { HeaderField } from "../mime/parse-entity.js";

/**
 * RFC 9788 §3.1.1 hcp_baseline: the outer Subject of an encrypted message reads "[...]" while
 * the encrypted message keeps the real one. The same value on every path that encrypts
 * (Send Encrypted, Store Encrypted, Encrypt in place), so a reader sees one behaviour.
 */
export const OBSCURED_SUBJECT = "[...]";

const OBSCURED_FIELD = Buffer.from(`Subject: ${OBSCURED_SUBJECT}\r\n`);

/**
 * The header fields written outside an envelope, each as its raw bytes in canonical CRLF; with
 * `hideSubject` every Subject field becomes `Subject: [...]` (a message without a Subject gets
 * none: there is nothing to hide).
 */
export function envelopeFields(fields: readonly HeaderField[], hideSubject: boolean): Uint8Array[] {
  return fields.map((f) =>
    hideSubject && f.name.toLowerCase() === "subject" ? OBSCURED_FIELD : toCanonicalCrlf(f.raw),
  );
}
