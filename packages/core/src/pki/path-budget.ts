/**
 * One budget of signature checks for everything a message asks path validation to do: every
 * signer, every candidate issuer, every CRL, every layer. A hostile message (16 signers, 64
 * certificates meshed so each is every other's issuer candidate) otherwise multiplies into
 * ~10^5 public-key operations; with the budget it costs at most `limit`, then the remaining
 * searches give up (`untrusted`, with the reason). Results are remembered per (signed object,
 * issuer) pair, so the same edge met again by another signer or path costs nothing.
 */
export interface PathBudget {
  readonly limit: number;
  /** Signature checks performed so far. */
  spent: number;
  /** Per signed object (certificate or CRL): issuer SHA-256 → null (verifies) or the reason. */
  readonly seen: WeakMap<object, Map<string, string | null>>;
}

/** Enough for several signers with long chains, cross-certificates and their CRLs. */
export const DEFAULT_PATH_BUDGET = 256;

export function pathBudget(limit: number = DEFAULT_PATH_BUDGET): PathBudget {
  return { limit, spent: 0, seen: new WeakMap() };
}

export function budgetSpentReason(budget: PathBudget): string {
  return `path search gave up: the message's budget of ${budget.limit} signature checks is spent`;
}
