import { CoreError } from "../errors.js";

export const MIN_PASSWORD_CODE_POINTS = 1;
export const MAX_PASSWORD_CODE_POINTS = 100;

/**
 * The Secure Mail Password rule (issue #4 item 5): NFC-normalised, 1 to 100 Unicode code
 * points (not UTF-16 units: "🔑" is one), any script. Lone surrogates are refused because
 * they have no UTF-8 form and would silently become U+FFFD. Returns the NFC string.
 */
export function normalizeSecureMailPassword(password: string): string {
  if (typeof password !== "string") throw new CoreError("invalid-password", "the password must be a string");
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(password))
    throw new CoreError(
      "invalid-password",
      "the password contains an unpaired surrogate (not valid Unicode)",
    );
  const nfc = password.normalize("NFC");
  const length = [...nfc].length;
  if (length < MIN_PASSWORD_CODE_POINTS || length > MAX_PASSWORD_CODE_POINTS)
    throw new CoreError(
      "invalid-password",
      `the Secure Mail Password must be ${MIN_PASSWORD_CODE_POINTS} to ${MAX_PASSWORD_CODE_POINTS} characters, got ${length}`,
    );
  return nfc;
}
