import { CoreError } from "../errors.js";

export const MIN_PASSWORD_CODE_POINTS = 8;
export const MAX_PASSWORD_CODE_POINTS = 100;

/**
 * The Secure Mail Password rule for a new password: a word or a phrase of 8 to 100 characters,
 * any script, counted as Unicode code points after NFC (not UTF-16 units: "🔑" is one, so
 * "пароль12" and eight CJK characters are both 8). Shorter passwords fall to offline guessing
 * of a stolen sealed key even behind the slow KDF; 8 is NIST SP 800-63B §5.1.1.2's floor.
 * Lone surrogates are refused because they have no UTF-8 form and would silently become
 * U+FFFD. Returns the NFC string.
 *
 * Only new passwords are checked (seal, reseal's new password): unseal takes any string, so a
 * key sealed under an older, shorter rule still opens and can be re-sealed.
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
