import type { AppFailure } from "~/components/ui/errors";

/** The server's limit for an uploaded PFX (secure-mail router). */
export const PFX_MAX_BYTES = 1024 * 1024;

export interface PasswordPairErrors {
  newPassword?: string;
  reenterPassword?: string;
}

/**
 * The browser's copy of the server's rule (fields.ts), so a short or mismatched password is
 * reported before anything is sent: 8–100 characters counted as code points after NFC.
 */
export function passwordPairErrors(newPassword: string, reenterPassword: string): PasswordPairErrors {
  const errors: PasswordPairErrors = {};
  const length = [...newPassword.normalize("NFC")].length;
  if (length < 8) errors.newPassword = "Use at least 8 characters.";
  else if (length > 100) errors.newPassword = "Use at most 100 characters.";
  if (newPassword !== reenterPassword) errors.reenterPassword = "The passwords do not match.";
  return errors;
}

export const hasErrors = (errors: object): boolean => Object.values(errors).some(Boolean);

/** The first server-side zod error for a field, if any. */
export function serverFieldError(failure: AppFailure | null, field: string): string | undefined {
  return failure?.fieldErrors?.[field]?.[0];
}

/** A store or core sentence ("the file holds no private key") as the page shows it. */
export function sentence(message: string): string {
  const text = message.trim();
  if (!text) return "Something went wrong.";
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Why a PFX file was refused, in words (core's and store's error codes, see import-pfx.ts). */
export function pfxFailureText(failure: AppFailure): string {
  switch (failure.appCode) {
    case "wrong-password":
      // store says "wrong Secure Mail Password" when earlier keys need the current one.
      return /secure mail password/i.test(failure.message)
        ? "Wrong Secure Mail Password."
        : "Wrong file password.";
    case "corrupt":
    case "malformed":
      return "The file is not a PKCS#12 (PFX) file.";
    case "no-key":
      return /file/i.test(failure.message) ? "The file holds no private key." : sentence(failure.message);
    case "key-certificate-mismatch":
      return "The key and the certificate in the file do not match.";
    case "missing-certificates":
      return "The file holds a private key but no certificate for it.";
    case "integrity":
      return "The file is altered or damaged: its integrity check failed.";
    case "invalid-argument":
      return /not for e-mail/i.test(failure.message)
        ? "The certificate is not for e-mail."
        : sentence(failure.message);
    default:
      return failure.fieldErrors ? failure.message : sentence(failure.message);
  }
}
