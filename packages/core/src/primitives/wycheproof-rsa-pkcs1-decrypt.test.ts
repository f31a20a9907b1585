import { createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isCoreError } from "../errors.js";
import { skipWithoutVectors } from "../test-support/external-vectors.js";
import {
  checkWycheproof,
  hex,
  type WycheproofGroup,
  type WycheproofTest,
} from "../test-support/wycheproof.js";
import { rsaPkcs1v15Decrypt } from "./rsa-pkcs1-decrypt.js";

/**
 * RSAES-PKCS1-v1_5 decryption (RFC 8017 §7.2.2) against Project Wycheproof. Core implements
 * implicit rejection: a bad padding does not fail, it yields a synthetic message derived from
 * the key and ciphertext. So "invalid" here means: no error reveals which padding was wrong,
 * the output is not the message, and the same ciphertext always gives the same output. Only a
 * publicly malformed ciphertext (longer than the modulus, or ≥ n) is refused with an error.
 */
for (const name of ["rsa_pkcs1_2048_test", "rsa_pkcs1_3072_test", "rsa_pkcs1_4096_test"]) {
  describe.skipIf(skipWithoutVectors("wycheproof"))(`Wycheproof ${name}`, () => {
    it("decrypts every valid ciphertext and never returns the message for an invalid one", () => {
      const errors = new Set<string>();
      const accepts = (test: WycheproofTest, group: WycheproofGroup) => {
        const key = createPrivateKey({ key: hex(group.privateKeyPkcs8), format: "der", type: "pkcs8" });
        let out: Buffer;
        try {
          out = rsaPkcs1v15Decrypt(key, hex(test.ct));
        } catch (error) {
          if (!isCoreError(error, "decryption-failed")) throw error;
          expect(test.flags, `#${test.tcId} threw for a padding error`).toContain("InvalidCiphertextFormat");
          return false;
        }
        if (test.flags.includes("InvalidPkcs1Padding")) {
          expect(rsaPkcs1v15Decrypt(key, hex(test.ct)), `#${test.tcId} synthetic message is stable`).toEqual(
            out,
          );
          errors.add("none");
        }
        return out.equals(hex(test.msg));
      };
      const count = checkWycheproof(name, accepts);
      expect(count).toBeGreaterThan(60);
      // Every bad padding came back the same way: with no error at all.
      expect([...errors]).toEqual(["none"]);
    });
  });
}
