/**
 * The one error type core throws. Thrown only for misuse or malformed input; verification
 * outcomes are results, never exceptions (STYLE.md §4, §5). Codes are a small closed union so
 * every boundary (CLI exit codes, tRPC errorFormatter) can map them exhaustively.
 */
export type CoreErrorCode =
  | "malformed" // input is not what it claims to be (bad DER, bad base64, bad MIME)
  | "limit-exceeded" // input is over a configured size / depth / node limit
  | "unsupported-algorithm" // well-formed but uses an algorithm we do not implement
  | "not-a-recipient" // none of the offered keys can open this EnvelopedData
  | "decryption-failed" // a key matched but the content would not decrypt (uniform on purpose)
  | "wrong-password" // a password did not unlock a PFX or sealed key
  | "integrity" // PFX MAC failed although the key decrypted
  | "corrupt" // the outer structure is not a PFX
  | "no-key" // a PFX holds no private key
  | "key-certificate-mismatch" // a PFX key matches none of its certificates
  | "missing-certificates" // a PFX holds a private key but no certificate at all
  | "invalid-password" // a Secure Mail Password breaks the 8..100 character rule
  | "locked" // an unlock handle was used after lock or expiry
  | "not-streamable" // the streaming path did not keep what this message needs (use the buffer path)
  | "invalid-argument"; // a caller passed something unusable (misuse)

export class CoreError extends Error {
  override readonly name = "CoreError";
  readonly code: CoreErrorCode;

  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isCoreError(value: unknown, code?: CoreErrorCode): value is CoreError {
  return value instanceof CoreError && (code === undefined || value.code === code);
}
