import type { CipherGCM } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cipherByName } from "../../algorithms.js";
import { berContext } from "../../asn1/ber-reader.js";
import { algorithmIdentifier, integer, octetString, sequence } from "../../asn1/der-writer.js";
import { isCoreError } from "../../errors.js";
import { skipWithoutVectors } from "../../test-support/external-vectors.js";
import { checkWycheproof, hex } from "../../test-support/wycheproof.js";
import { createContentCipher, createContentDecipher, parseContentAlgorithm } from "./content-algorithm.js";

/**
 * AES-GCM as AuthEnvelopedData uses it (RFC 5084: GCMParameters with the nonce and the tag
 * length) against Project Wycheproof, trimmed to the nonce (8..64 bytes) and tag (12..16 bytes)
 * sizes GCMParameters allows: every valid vector decrypts, every invalid one is refused with
 * the uniform decryption-failed error, and encryption with a 16-byte tag reproduces the vector.
 */
describe.skipIf(skipWithoutVectors("wycheproof"))("Wycheproof AES-GCM", () => {
  it("aes_gcm_test", () => {
    const count = checkWycheproof("aes_gcm_test", (test, group) => {
      const cipher = cipherByName(`AES-${group.keySize}-GCM`);
      if (!cipher) throw new Error(`no AES-${group.keySize}-GCM`);
      const iv = hex(test.iv);
      const tag = hex(test.tag);
      const parameters = sequence(octetString(iv), integer((group.tagSize as number) / 8));
      const alg = parseContentAlgorithm(
        { oid: cipher.oid, parameters, der: algorithmIdentifier(cipher.oid, parameters) },
        "authEnveloped",
        berContext(),
      );
      let plain: Buffer;
      try {
        const d = createContentDecipher(alg, hex(test.key), { aad: hex(test.aad), tag });
        plain = Buffer.concat([d.update(hex(test.ct)), d.final()]);
      } catch (error) {
        if (!isCoreError(error, "decryption-failed")) throw error;
        return false;
      }
      const accepted = plain.equals(hex(test.msg));
      if (accepted && tag.length === 16) {
        const c = createContentCipher(cipher, hex(test.key), iv) as CipherGCM;
        c.setAAD(hex(test.aad));
        const ct = Buffer.concat([c.update(hex(test.msg)), c.final()]);
        expect(ct.toString("hex") + c.getAuthTag().toString("hex")).toBe(`${test.ct}${test.tag}`);
      }
      return accepted;
    });
    expect(count).toBeGreaterThan(150);
  });
});
