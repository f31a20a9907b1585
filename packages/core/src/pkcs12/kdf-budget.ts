import { CoreError } from "../errors.js";

/**
 * A cap on the password-hashing work one operation may do. A PFX names its own iteration
 * counts, so a hostile file could ask for 2^31 iterations (or hide many expensive bags)
 * and stall the server; Botan, NSS and BoringSSL cap similarly. Work is counted in hash
 * iterations: PKCS#12 App. B KDF and PBKDF2 count iterations × output blocks; scrypt counts
 * 2·N·r·p (about the same wall time per unit on this machine).
 */
export const DEFAULT_MAX_KDF_ITERATIONS = 10_000_000;

export class KdfBudget {
  private used = 0;

  constructor(readonly limit: number = DEFAULT_MAX_KDF_ITERATIONS) {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new CoreError("invalid-argument", `KDF iteration limit must be a positive integer, got ${limit}`);
  }

  get spent(): number {
    return this.used;
  }

  canAfford(cost: number): boolean {
    return this.used + cost <= this.limit;
  }

  /** Takes `cost` from the budget, or throws limit-exceeded naming the work and the limit. */
  charge(cost: number, what: string): void {
    if (!this.canAfford(cost)) {
      throw new CoreError(
        "limit-exceeded",
        `${what} needs ${cost.toLocaleString("en-US")} KDF iterations; the limit is ${this.limit.toLocaleString("en-US")} in total (${this.used.toLocaleString("en-US")} already used)`,
      );
    }
    this.used += cost;
  }
}
