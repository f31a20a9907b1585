import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { DigestInfo } from "../algorithms.js";
import { der } from "../asn1/index.js";
import { PKCS12_KDF_ID, pkcs12Kdf } from "../primitives/pkcs12-kdf.js";
import type { PasswordForm } from "./password-forms.js";
import { deriveKey } from "./pbe-cipher.js";
import type { PfxMac } from "./pfx-structure.js";

/** Work to check the MAC once (KdfBudget units). */
export function macCost(mac: PfxMac | undefined): number {
  if (!mac || mac.kind === "unsupported") return 0;
  if (mac.kind === "classic") return mac.iterations; // n = u: one block
  return mac.kdf.iterations * Math.max(1, Math.ceil((mac.kdf.keyLength ?? 0) / mac.kdf.prf.length));
}

/** The password bytes a MAC takes from a form: BMPString for the classic MAC, UTF-8 for PBMAC1. */
export function macInput(mac: Exclude<PfxMac, { kind: "unsupported" }>, form: PasswordForm): Buffer {
  return mac.kind === "classic" ? form.bmp : form.raw;
}

/**
 * RFC 7292 §5.1 / App. B.4: HMAC over the AuthenticatedSafe DER with a key from the PKCS#12
 * KDF (ID 3, n = digest length) — or, for PBMAC1 (RFC 9579 §5), a key from PBKDF2 with the
 * PBKDF2 parameters' salt, count and keyLength (MacData.macSalt/iterations are ignored).
 */
export function verifyMac(
  mac: Exclude<PfxMac, { kind: "unsupported" }>,
  authSafe: Uint8Array,
  password: Uint8Array,
): boolean {
  // RFC 9579 §5: PBMAC1's PBKDF2 keyLength MUST be present; without it nothing can verify.
  if (mac.kind === "pbmac1" && (mac.kdf.keyLength === undefined || mac.kdf.keyLength > 1024)) return false;
  const key =
    mac.kind === "classic"
      ? pkcs12Kdf(mac.digest, password, mac.salt, PKCS12_KDF_ID.mac, mac.iterations, mac.digest.length)
      : deriveKey(mac.kdf, password, mac.kdf.keyLength ?? 0);
  const node = mac.kind === "classic" ? mac.digest.node : mac.hmac.node;
  const expected = createHmac(node, key).update(authSafe).digest();
  key.fill(0);
  return expected.length === mac.value.length && timingSafeEqual(expected, mac.value);
}

/** MacData for a file we write: classic HMAC with the PKCS#12 KDF (what every importer reads). */
export function encodeMacData(
  digest: DigestInfo,
  authSafe: Uint8Array,
  bmpPasswordBytes: Uint8Array,
  iterations: number,
): Uint8Array {
  const salt = randomBytes(16);
  const key = pkcs12Kdf(digest, bmpPasswordBytes, salt, PKCS12_KDF_ID.mac, iterations, digest.length);
  const value = createHmac(digest.node, key).update(authSafe).digest();
  key.fill(0);
  return der.sequence(
    der.sequence(der.algorithmIdentifier(digest.oid, der.nullValue()), der.octetString(value)),
    der.octetString(salt),
    der.integer(iterations),
  );
}
