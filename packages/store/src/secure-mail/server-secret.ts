import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StoreError } from "../errors.js";

export const SERVER_SECRET_FILE = "server-secret";

/**
 * The server secret that seals the server CA's private key: the value
 * of SEALBOX_SECRET when the app passes one, else a random 32-byte secret kept in a 0600
 * file in the data folder, created on first use. Apps read the environment; store does not.
 */
export function resolveServerSecret(options: {
  secret?: string | undefined;
  dataFolder: string;
}): Uint8Array {
  if (options.secret !== undefined && options.secret !== "") {
    if (options.secret.length < 16) {
      throw new StoreError("invalid-argument", "SEALBOX_SECRET must be at least 16 characters");
    }
    return Buffer.from(options.secret, "utf8");
  }
  const path = join(options.dataFolder, SERVER_SECRET_FILE);
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) chmodSync(path, 0o600);
    const text = readFileSync(path, "utf8").trim();
    if (text.length < 32) throw new StoreError("invalid-argument", `${path} is damaged (too short)`);
    return Buffer.from(text, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(options.dataFolder, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString("base64url");
  try {
    // wx: two processes starting at once never overwrite each other's secret.
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return Buffer.from(secret, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return resolveServerSecret(options);
    throw error;
  }
}

/** The keyvault takes a password string; the secret's bytes become one (base64url, lossless). */
export function secretAsPassword(secret: Uint8Array): string {
  return Buffer.from(secret).toString("base64url").slice(0, 100);
}
