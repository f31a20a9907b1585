import type { CipherGCM } from "node:crypto";
import { CoreError } from "../../errors.js";
import {
  definitePrefix,
  definiteSuffix,
  indefinitePrefix,
  indefiniteSuffix,
  pieceHeader,
} from "./envelope-writer.js";
import {
  ciphertextLength,
  type EncryptionPlan,
  planCipher,
  prepareEncryption,
} from "./prepare-encryption.js";
import type { StreamEncryptOptions } from "./types.js";

const DEFAULT_PIECE = 64 * 1024;

/**
 * Streaming twin of encryptEnveloped. With options.contentLength the output is DER (definite
 * lengths, the ciphertext as one primitive [0]); without it, BER with indefinite lengths and
 * the ciphertext as a constructed [0] of OCTET STRING pieces of about `pieceSize` bytes
 * (RFC 5652 §6.1; X.690 §8.1.3.6, §8.7.3). Options are validated and recipients prepared
 * before this returns; the CEK is wiped when the output ends or the consumer stops.
 */
export function encryptEnvelopedStream(
  content: AsyncIterable<Uint8Array>,
  options: StreamEncryptOptions,
): AsyncIterable<Uint8Array> {
  const { contentLength, pieceSize = DEFAULT_PIECE } = options;
  if (contentLength !== undefined && (!Number.isSafeInteger(contentLength) || contentLength < 0))
    throw new CoreError("invalid-argument", `bad contentLength ${contentLength}`);
  if (!Number.isSafeInteger(pieceSize) || pieceSize < 1)
    throw new CoreError("invalid-argument", `bad pieceSize ${pieceSize}`);
  const plan = prepareEncryption(options);
  return contentLength === undefined
    ? indefinite(content, plan, pieceSize)
    : definite(content, plan, contentLength);
}

async function* definite(content: AsyncIterable<Uint8Array>, plan: EncryptionPlan, contentLength: number) {
  try {
    const cipher = planCipher(plan);
    yield definitePrefix(plan.layout, ciphertextLength(plan.cipher, contentLength));
    let seen = 0;
    for await (const chunk of content) {
      seen += chunk.length;
      if (seen > contentLength)
        throw new CoreError(
          "invalid-argument",
          `content is longer than options.contentLength (${contentLength})`,
        );
      const part = cipher.update(chunk);
      if (part.length > 0) yield part;
    }
    if (seen !== contentLength)
      throw new CoreError(
        "invalid-argument",
        `content is ${seen} bytes, options.contentLength said ${contentLength}`,
      );
    const last = cipher.final();
    if (last.length > 0) yield last;
    yield definiteSuffix(
      plan.layout,
      plan.cipher.mode === "gcm" ? (cipher as CipherGCM).getAuthTag() : undefined,
    );
  } finally {
    plan.cek.fill(0);
  }
}

async function* indefinite(content: AsyncIterable<Uint8Array>, plan: EncryptionPlan, pieceSize: number) {
  try {
    const cipher = planCipher(plan);
    yield indefinitePrefix(plan.layout);
    let pending: Uint8Array[] = [];
    let pendingLength = 0;
    // Each piece: its header, then the cipher's own output buffers (no copying into pieces).
    function* flush(): Generator<Uint8Array> {
      if (pendingLength === 0) return;
      yield pieceHeader(pendingLength);
      yield* pending;
      pending = [];
      pendingLength = 0;
    }
    for await (const chunk of content) {
      const part = cipher.update(chunk);
      if (part.length === 0) continue;
      pending.push(part);
      pendingLength += part.length;
      if (pendingLength >= pieceSize) yield* flush();
    }
    const last = cipher.final();
    if (last.length > 0) {
      pending.push(last);
      pendingLength += last.length;
    }
    yield* flush();
    yield indefiniteSuffix(
      plan.layout,
      plan.cipher.mode === "gcm" ? (cipher as CipherGCM).getAuthTag() : undefined,
    );
  } finally {
    plan.cek.fill(0);
  }
}
