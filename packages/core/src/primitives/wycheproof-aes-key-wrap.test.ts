import { describe, expect, it } from "vitest";
import { isCoreError } from "../errors.js";
import { skipWithoutVectors } from "../test-support/external-vectors.js";
import { checkWycheproof, hex } from "../test-support/wycheproof.js";
import { aesKeyUnwrap, aesKeyWrap } from "./aes-key-wrap.js";

/**
 * AES Key Wrap (RFC 3394) against Project Wycheproof: unwrap must return the key for every
 * valid vector and refuse every invalid one (with the uniform decryption-failed error); wrap
 * must produce the vector's ciphertext.
 */
/** Wrapping 8 bytes is legal in RFC 3394's variant with one semiblock (RFC 5649 §4.1), not in CMS, which never wraps under 16. */
const ACCEPTABLE = { ShortKey: false };

describe.skipIf(skipWithoutVectors("wycheproof"))("Wycheproof AES key wrap", () => {
  it("aes_wrap_test", () => {
    const count = checkWycheproof(
      "aes_wrap_test",
      (test) => {
        const kek = hex(test.key);
        const msg = hex(test.msg);
        let out: Buffer;
        try {
          out = aesKeyUnwrap(kek, hex(test.ct));
        } catch (error) {
          if (!isCoreError(error, "decryption-failed")) throw error;
          return false;
        }
        const accepted = out.equals(msg);
        if (accepted) expect(aesKeyWrap(kek, msg).toString("hex")).toBe(test.ct);
        return accepted;
      },
      ACCEPTABLE,
    );
    expect(count).toBeGreaterThan(100);
  });
});
