/**
 * Resource limits for parsing untrusted MIME. Every limit names the attack it stops; all are
 * parameters (STYLE.md §3), never globals. Exceeding one throws CoreError("limit-exceeded").
 */
import { CoreError } from "../errors.js";

export interface MimeLimits {
  /**
   * Largest header block of one entity, in bytes. Stops header bombs: megabytes of folded
   * continuation lines before the blank line, each of which we would decode and unfold.
   */
  maxHeaderBytes: number;
  /**
   * Most header fields in one entity. Stops memory and CPU blow-up from millions of tiny
   * "X: y" lines, and the repeated linear lookups done on them.
   */
  maxHeaderFields: number;
  /**
   * Most body parts in one multipart. Stops "--b\r\n--b\r\n…" floods that make us allocate and
   * parse millions of empty part objects from a few megabytes of input.
   */
  maxParts: number;
  /**
   * Deepest nesting of entities (multipart inside multipart, message/rfc822 inside that).
   * Stops stack exhaustion from recursive walkers fed thousands of nested multiparts.
   */
  maxDepth: number;
}

export const DEFAULT_MIME_LIMITS: Readonly<MimeLimits> = Object.freeze({
  maxHeaderBytes: 256 * 1024,
  maxHeaderFields: 1000,
  maxParts: 1000,
  maxDepth: 32,
});

export function resolveMimeLimits(limits: Partial<MimeLimits> = {}): MimeLimits {
  const merged = { ...DEFAULT_MIME_LIMITS, ...limits };
  for (const [key, value] of Object.entries(merged)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new CoreError("invalid-argument", `MimeLimits.${key} must be a non-negative integer`);
    }
  }
  return merged;
}

export function limitExceeded(message: string): CoreError {
  return new CoreError("limit-exceeded", `MIME: ${message}`);
}
