import { createVerify, type KeyObject, verify } from "node:crypto";
import type { DigestInfo } from "../algorithms.js";
import { keyMatches, nodeKeyOptions, type SignatureScheme } from "./signature-algorithm.js";

/**
 * Checks `signature` over `data` (hashed with `digest`; ignored for Ed25519) under `key`, for
 * CMS SignerInfos (RFC 5652 §5.6) and X.509 certificates and CRLs (RFC 5280 §6.1.3 a.1) alike.
 * Returns null when it verifies, else the reason. A key of the wrong type is a reason, not an
 * exception.
 */
export function verifySignature(
  scheme: SignatureScheme,
  digest: DigestInfo,
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): string | null {
  const mismatch = keyMismatch(scheme, key);
  if (mismatch) return mismatch;
  try {
    const hash = scheme.kind === "ed25519" ? null : digest.node;
    const options = scheme.kind === "ed25519" ? key : nodeKeyOptions(scheme, key);
    return verify(hash, data, options, signature) ? null : "signature value does not verify";
  } catch (error) {
    return `signature value does not verify (${(error as Error).message})`;
  }
}

/** Incremental verification for signatures made directly over streamed content (no signed attributes). */
export interface StreamingVerifier {
  update(chunk: Uint8Array): void;
  /** null when the signature verifies, else the reason. */
  finish(signature: Uint8Array): string | null;
}

export function createStreamingVerifier(
  scheme: SignatureScheme,
  digest: DigestInfo,
  key: KeyObject,
): StreamingVerifier {
  const mismatch = keyMismatch(scheme, key);
  if (scheme.kind === "ed25519") {
    // PureEdDSA needs the whole message at once (RFC 8032 §5.1.6).
    const parts: Uint8Array[] = [];
    return {
      update: (chunk) => void parts.push(chunk),
      finish: (signature) =>
        mismatch ?? verifySignature(scheme, digest, key, Buffer.concat(parts), signature),
    };
  }
  const verifier = createVerify(digest.node);
  return {
    update: (chunk) => void verifier.update(chunk),
    finish(signature) {
      if (mismatch) return mismatch;
      try {
        return verifier.verify(nodeKeyOptions(scheme, key), signature)
          ? null
          : "signature value does not verify";
      } catch (error) {
        return `signature value does not verify (${(error as Error).message})`;
      }
    },
  };
}

function keyMismatch(scheme: SignatureScheme, key: KeyObject): string | null {
  return keyMatches(scheme, key)
    ? null
    : `${scheme.name} signature but the certificate holds a ${key.asymmetricKeyType ?? "unknown"} key`;
}
