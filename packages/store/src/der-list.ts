import { readTlv } from "@sealbox/core";
import { StoreError } from "./errors.js";

/**
 * A list of DER certificates in one column (secure_mail_keys.chain, server_ca.chain): the
 * encodings back to back. DER is self-delimiting (X.690 §8.1.3), so no separator or
 * count is needed and the bytes of each certificate come back exactly as stored.
 */
export function joinDer(items: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(items.map((i) => Buffer.from(i.buffer, i.byteOffset, i.byteLength)));
}

export function splitDer(joined: Uint8Array): Uint8Array[] {
  const items: Uint8Array[] = [];
  let offset = 0;
  while (offset < joined.byteLength) {
    let end: number;
    try {
      end = readTlv(joined, offset).end;
    } catch (error) {
      throw new StoreError("invalid-argument", `a stored certificate list is damaged at byte ${offset}`, {
        cause: error,
      });
    }
    items.push(joined.subarray(offset, end));
    offset = end;
  }
  return items;
}
