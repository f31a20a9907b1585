import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { StoreError } from "../errors.js";

/** scrypt cost (RFC 7914 §2): N = 2^logN, block size r, parallelism p. */
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/** 2^15 × 8 × 128 B = 32 MiB and ~60 ms per hash on the CI box: OWASP's scrypt minimum is 2^17/8/1 at 128 MiB; this is the interactive-login trade-off, raise it per deployment. */
export const DEFAULT_SCRYPT: ScryptParams = { logN: 15, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const N = 2 ** params.logN;
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize("NFC"),
      salt,
      length,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

function checkPassword(password: string): void {
  if (password.length === 0) throw new StoreError("invalid-argument", "the login password must not be empty");
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new StoreError(
      "invalid-argument",
      `the login password is longer than ${MAX_PASSWORD_LENGTH} characters`,
    );
}

/**
 * A login password hash in PHC string form with its own salt and parameters:
 * `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64, unpadded). The password is
 * NFC-normalised first, so the same characters typed on different systems verify.
 */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  checkPassword(password);
  if (!(params.logN >= 1 && params.logN <= 24 && params.r >= 1 && params.p >= 1))
    throw new StoreError("invalid-argument", "scrypt parameters out of range");
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, params, KEY_LENGTH);
  const b64 = (b: Buffer) => b.toString("base64").replace(/=+$/, "");
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Compares in constant time; a malformed stored hash never verifies. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = PHC.exec(stored);
  if (!m || password.length === 0 || password.length > MAX_PASSWORD_LENGTH) return false;
  const params = { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.logN < 1 || params.logN > 24 || params.r < 1 || params.p < 1) return false;
  const salt = Buffer.from(m[4] as string, "base64");
  const expected = Buffer.from(m[5] as string, "base64");
  if (expected.length < 16) return false;
  const actual = await derive(password, salt, params, expected.length);
  return timingSafeEqual(actual, expected);
}
