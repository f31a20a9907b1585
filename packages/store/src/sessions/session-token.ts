import { createHash, randomBytes } from "node:crypto";
import { StoreError } from "../errors.js";

/** 256 random bits, base64url: what the cookie (or the terminal client) holds. */
export function newSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The row id of a session: the SHA-256 of its token. The store never keeps the token, so a
 * stolen database opens no session and unwraps no unlocked key.
 */
export function sessionIdOf(token: string): string {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw new StoreError("unauthenticated", "not a session token");
  return createHash("sha256").update(token).digest("hex");
}
