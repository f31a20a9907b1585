import { createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { digestByName, OID } from "../../algorithms.js";
import { berContext } from "../../asn1/ber-reader.js";
import { algorithmIdentifier, explicit, octetString, sequence } from "../../asn1/der-writer.js";
import { skipWithoutVectors } from "../../test-support/external-vectors.js";
import { checkWycheproof, hex } from "../../test-support/wycheproof.js";
import { decryptKeyTransport } from "./key-transport.js";

/**
 * RSAES-OAEP key transport (RFC 8017 §7.1, RSAES-OAEP-params of RFC 4055 §4.1 with a pSpecified
 * label) against Project Wycheproof, through the function CMS decryption uses. It never reports
 * failure (a failed decryption returns the caller's substitute key, RFC 3218 §2.3), so a vector
 * is accepted when the result is not that substitute and equals the message.
 */
const FILES = [
  "rsa_oaep_2048_sha1_mgf1sha1_test",
  "rsa_oaep_2048_sha256_mgf1sha256_test",
  "rsa_oaep_2048_sha384_mgf1sha384_test",
  "rsa_oaep_2048_sha512_mgf1sha512_test",
  "rsa_oaep_3072_sha256_mgf1sha256_test",
  "rsa_oaep_3072_sha512_mgf1sha512_test",
  "rsa_oaep_4096_sha256_mgf1sha256_test",
  "rsa_oaep_4096_sha512_mgf1sha512_test",
];

function oaepAlgorithm(hash: string, label: Buffer) {
  const digest = digestByName(hash);
  if (!digest) throw new Error(`no digest ${hash}`);
  const hashId = algorithmIdentifier(digest.oid);
  const parameters = sequence(
    explicit(0, hashId),
    explicit(1, algorithmIdentifier(OID.mgf1, hashId)),
    explicit(2, algorithmIdentifier(OID.pSpecified, octetString(label))),
  );
  const der = algorithmIdentifier(OID.rsaesOaep, parameters);
  return { oid: OID.rsaesOaep, parameters, der };
}

describe.skipIf(skipWithoutVectors("wycheproof"))("Wycheproof RSA-OAEP", () => {
  for (const name of FILES) {
    it(name, () => {
      checkWycheproof(name, (test, group) => {
        const key = createPrivateKey({ key: hex(group.privateKeyPkcs8), format: "der", type: "pkcs8" });
        const msg = hex(test.msg);
        const substitute = Buffer.alloc(msg.length, 0xa5);
        const out = decryptKeyTransport(
          key,
          oaepAlgorithm(group.sha as string, hex(test.label)),
          hex(test.ct),
          msg.length,
          berContext(),
          () => substitute,
        );
        return out !== substitute && Buffer.from(out).equals(msg);
      });
    });
  }
  it("ran every file", () => expect(FILES).toHaveLength(8));
});
