import { type BerLimits, DEFAULT_BER_LIMITS } from "../asn1/ber-reader.js";
import type { EnvelopeLimits } from "../cms/enveloped/index.js";
import { CoreError } from "../errors.js";
import { DEFAULT_PATH_BUDGET } from "../pki/path-budget.js";

/**
 * Message-level limits. Each is a parameter, never a global; the
 * defaults suit a mail server that accepts 50 MB messages.
 */
export interface SmimeLimits {
  /** Largest message `open`/`protect` accept. Stops memory exhaustion from one huge message. */
  maxMessageBytes: number;
  /** Most S/MIME layers peeled (signed inside encrypted inside signed…). Stops wrapping bombs. */
  maxLayers: number;
  /** ASN.1 nesting depth and element count per CMS structure. */
  ber: BerLimits;
  /**
   * Signature checks path validation may spend on one message, all signers and layers
   * together. Stops certificate meshes that multiply signers by candidates by CRLs.
   */
  maxSignatureChecks: number;
}

export const DEFAULT_SMIME_LIMITS: Readonly<SmimeLimits> = Object.freeze({
  maxMessageBytes: 100 * 1024 * 1024,
  maxLayers: 8,
  ber: DEFAULT_BER_LIMITS,
  maxSignatureChecks: DEFAULT_PATH_BUDGET,
});

export function resolveSmimeLimits(limits: Partial<SmimeLimits> = {}): SmimeLimits {
  return { ...DEFAULT_SMIME_LIMITS, ...limits, ber: { ...DEFAULT_SMIME_LIMITS.ber, ...limits.ber } };
}

/** Refuses a whole message over maxMessageBytes before any work is done on it. */
export function checkMessageSize(raw: Uint8Array, limits: SmimeLimits): void {
  if (raw.length > limits.maxMessageBytes)
    throw new CoreError(
      "limit-exceeded",
      `message is ${raw.length} bytes; the limit is ${limits.maxMessageBytes}`,
    );
}

/** The EnvelopedData reader's limits for one layer of a message under `limits`. */
export function envelopeLimits(limits: SmimeLimits): Partial<EnvelopeLimits> {
  return {
    maxContentBytes: limits.maxMessageBytes,
    maxDepth: limits.ber.maxDepth,
    maxNodes: limits.ber.maxNodes,
  };
}
