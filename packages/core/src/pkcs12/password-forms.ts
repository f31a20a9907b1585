import { bmpPassword, legacyBmpPassword } from "../primitives/pkcs12-kdf.js";

/**
 * The encodings of one typed password that real PFX writers have used (SMIME-NOTES §6.2):
 * - `bmp` feeds the PKCS#12 KDF (MAC, PBES1): BMPString with terminator (RFC 7292 App. B.1);
 * - `raw` feeds PBKDF2 (PBES2, PBMAC1): the UTF-8 bytes, no terminator (RFC 8018 §6.2,
 *   RFC 9579 §5).
 * Forms, most likely first: the NFC-normalised password; for "" also OpenSSL's "no password"
 * (NULL, 0), which is an empty BMP input where RFC 7292 says "00 00"; the password exactly as
 * typed when that differs from NFC, and its NFD form (files made on macOS); and for non-ASCII
 * passwords the pre-1.1 OpenSSL bug that took each UTF-8 byte as one BMP character.
 */
export interface PasswordForm {
  label: "standard" | "no-password" | "as-typed" | "nfd" | "legacy-utf8-bytes";
  bmp: Buffer;
  raw: Buffer;
}

export function passwordForms(password: string): PasswordForm[] {
  const nfc = password.normalize("NFC");
  const forms: PasswordForm[] = [{ label: "standard", bmp: bmpPassword(nfc), raw: Buffer.from(nfc, "utf8") }];
  if (nfc === "") forms.push({ label: "no-password", bmp: Buffer.alloc(0), raw: Buffer.alloc(0) });
  if (password !== nfc)
    forms.push({ label: "as-typed", bmp: bmpPassword(password), raw: Buffer.from(password, "utf8") });
  const nfd = nfc.normalize("NFD");
  if (nfd !== nfc && nfd !== password)
    forms.push({ label: "nfd", bmp: bmpPassword(nfd), raw: Buffer.from(nfd, "utf8") });
  if (Buffer.byteLength(nfc, "utf8") !== nfc.length)
    forms.push({ label: "legacy-utf8-bytes", bmp: legacyBmpPassword(nfc), raw: Buffer.from(nfc, "utf8") });
  return forms;
}

/** Puts `first` (the form the MAC proved) at the front, keeping the rest in order. */
export function preferForm(forms: readonly PasswordForm[], first: PasswordForm | undefined): PasswordForm[] {
  return first ? [first, ...forms.filter((f) => f !== first)] : [...forms];
}

export function wipeForms(forms: readonly PasswordForm[]): void {
  for (const f of forms) {
    f.bmp.fill(0);
    f.raw.fill(0);
  }
}
