import { createHash } from "node:crypto";
import { digestByName } from "../algorithms.js";
import { CoreError } from "../errors.js";

/**
 * ANSI X9.63 key derivation (SEC 1 v2 §3.6.1; RFC 5753 §3.1.2 for CMS ECDH):
 * K = Hash(Z ‖ Counter ‖ SharedInfo) for Counter = 00000001, 00000002, … (32-bit
 * big-endian), concatenated and truncated to `length` bytes. `hash` is a registry digest
 * name ("SHA-256") or a node:crypto hash name ("sha256").
 */
export function x963Kdf(hash: string, z: Uint8Array, sharedInfo: Uint8Array, length: number): Buffer {
  const nodeHash = digestByName(hash)?.node ?? hash;
  if (!Number.isInteger(length) || length < 0 || length > 0xffff * 64)
    throw new CoreError("invalid-argument", `X9.63 KDF: bad output length ${length}`);
  const out = Buffer.allocUnsafe(length);
  const counter = Buffer.alloc(4);
  let written = 0;
  for (let i = 1; written < length; i++) {
    counter.writeUInt32BE(i, 0);
    let block: Buffer;
    try {
      block = createHash(nodeHash).update(z).update(counter).update(sharedInfo).digest();
    } catch {
      throw new CoreError("unsupported-algorithm", `X9.63 KDF: unknown hash ${hash}`);
    }
    written += block.copy(out, written, 0, Math.min(block.length, length - written));
    block.fill(0);
  }
  return out;
}
