/**
 * The words every Secure Mail state is shown with, in the web and in the terminal client
 * alike (one module, so the two never drift). They follow the original product's wording.
 * No imports: browser code loads this file on its own (`@sealbox/store/words`).
 */

/** core's SignerStatus, repeated (in its order) as a string union so this module stays import-free. */
type SignerStatus =
  | "bad-signature"
  | "unknown-signer"
  | "unsupported-algorithm"
  | "revoked"
  | "expired"
  | "not-yet-valid"
  | "untrusted"
  | "wrong-usage"
  | "weak-algorithm"
  | "address-mismatch"
  | "valid";
export const WORDS = {
  verifiedBy: "Content Unaltered as Verified By:",
  locked: "Secure Mail is Locked",
  unlocked: "Secure Mail is Unlocked",
  encrypted: "Encrypted",
  notVerified: "Signature Not Verified",
  /** The signer's certificate is not the one the address book holds for that address. */
  certificateChanged: "Certificate changed since it was taken",
  forgottenPassword:
    "A forgotten Secure Mail Password cannot be recovered: nobody, not even the server administrator, can reset it, and mail encrypted to this key becomes unreadable.",
} as const;

/** A SHA-256 fingerprint as certificate viewers write it: "AB:CD:…". */
export function fingerprintText(hex: string): string {
  return (hex.toUpperCase().match(/.{2}/g) ?? []).join(":");
}

/** "Signed Data (Text SHA-256)": the signed part's kind, then the digest as verified. */
export function signedBanner(content: string, digest: string): string {
  return `Signed Data (${content} ${digest})`;
}

/**
 * A signature over one part only (a mailing list added a footer around it): the banner and the
 * verified-by line name that part, so nothing outside it reads as covered.
 */
export function signedPartBanner(path: string, content: string, digest: string): string {
  return `Signed Part ${path} (${content} ${digest})`;
}

/** "Part 1 Unaltered as Verified By:" — the part-scoped form of WORDS.verifiedBy. */
export function partVerifiedBy(path: string): string {
  return `Part ${path} Unaltered as Verified By:`;
}

/** "Encrypted AES-256-CBC": the real cipher name from core. */
export function encryptedBanner(cipher: string): string {
  return `${WORDS.encrypted} ${cipher}`;
}

/** "Name <address>" from the certificate (never from the message headers). */
export function signerDisplay(name: string | null, email: string | null): string {
  if (name && email) return `${name} <${email}>`;
  return name || (email ? `<${email}>` : "an unnamed signer");
}

/** Why a signer did not verify, in words a user understands (the precise reason follows it). */
export function signerProblem(status: SignerStatus): string {
  switch (status) {
    case "bad-signature":
      return "The content was altered after it was signed: the signature does not match it.";
    case "unknown-signer":
      return "The signer's certificate is not in the message and not known here, so the signature cannot be checked.";
    case "unsupported-algorithm":
      return "The signature uses an algorithm Sealbox does not support, so it cannot be checked.";
    case "revoked":
      return "The signer's certificate has been revoked.";
    case "expired":
      return "The signer's certificate had expired at the time of reading.";
    case "not-yet-valid":
      return "The signer's certificate is not yet valid.";
    case "untrusted":
      return "The signer's certificate was not issued by a trusted authority.";
    case "wrong-usage":
      return "The signer's certificate is not for e-mail protection.";
    case "weak-algorithm":
      return "The signature or the signer's certificate uses a weak algorithm that can be forged.";
    case "address-mismatch":
      return "The signer's address does not match the sender.";
    case "valid":
      return "The signature is valid.";
    default:
      return "The signature could not be verified.";
  }
}

/** "2 min 5 s" style remaining time for the lock panel. */
export function timeLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes > 0 ? `${minutes} min ${seconds} s` : `${seconds} s`;
}

/** What a sign-in form says for each refusal (web and terminal alike). */
export function loginRefusal(refusal: { reason: string; message?: string }): string {
  if (refusal.reason === "rate-limited")
    return `Too many failed logins: ${(refusal.message ?? "").replace(/^too many failed logins; /, "")}.`;
  if (refusal.reason === "disabled") return "This account is disabled.";
  return "Wrong account or password.";
}
