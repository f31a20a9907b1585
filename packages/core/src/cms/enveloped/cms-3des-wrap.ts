import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { CoreError } from "../../errors.js";

/**
 * Triple-DES Key Wrap, id-alg-CMS3DESwrap (RFC 3217 §3), which OpenSSL picks for ECDH
 * recipients when the content cipher is des-ede3-cbc (crypto/cms/cms_kari.c cms_wrap_init).
 */
const IV2 = Buffer.from("4adda22c79e82105", "hex"); // RFC 3217 §3.1 step 7

const FAILED = "the message could not be decrypted";

function des(decrypt: boolean, kek: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const c = decrypt ? createDecipheriv("des-ede3-cbc", kek, iv) : createCipheriv("des-ede3-cbc", kek, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Sets odd parity on every DES key byte (RFC 3217 §3.1 step 1; FIPS 46-3). */
export function setDesParity(key: Uint8Array): void {
  for (let i = 0; i < key.length; i++) {
    const b = (key[i] as number) & 0xfe;
    let ones = 0;
    for (let bit = 1; bit < 0x100; bit <<= 1) if (b & bit) ones++;
    key[i] = b | ((ones & 1) ^ 1);
  }
}

/** RFC 3217 §3.1: wraps a 24-byte 3DES key (parity must already be set) under a 24-byte KEK. */
export function cms3DesWrap(
  kek: Uint8Array,
  cek: Uint8Array,
  rng: (n: number) => Uint8Array = randomBytes,
): Buffer {
  if (kek.length !== 24 || cek.length !== 24)
    throw new CoreError("invalid-argument", "CMS 3DES key wrap needs a 24-byte KEK and key");
  const icv = createHash("sha1").update(cek).digest().subarray(0, 8); // step 2
  const iv = Buffer.from(rng(8)); // step 4
  const temp1 = des(false, kek, iv, Buffer.concat([cek, icv])); // steps 3, 5
  const temp3 = Buffer.concat([iv, temp1]).reverse(); // steps 6, 7
  return des(false, kek, IV2, temp3); // step 8
}

/** RFC 3217 §3.2: unwraps and checks the ICV; any failure is the uniform decryption error. */
export function cms3DesUnwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer {
  if (kek.length !== 24 || wrapped.length !== 40) throw new CoreError("decryption-failed", FAILED);
  const temp3 = des(true, kek, IV2, wrapped); // steps 2, 3
  const temp2 = temp3.reverse(); // step 4
  const cekIcv = des(true, kek, temp2.subarray(0, 8), temp2.subarray(8)); // steps 5, 6
  const cek = Buffer.from(cekIcv.subarray(0, 24));
  const icv = createHash("sha1").update(cek).digest().subarray(0, 8); // step 7
  const ok = timingSafeEqual(icv, cekIcv.subarray(24));
  cekIcv.fill(0);
  if (!ok) {
    cek.fill(0);
    throw new CoreError("decryption-failed", FAILED);
  }
  return cek;
}
