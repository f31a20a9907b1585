import { createPublicKey } from "node:crypto";
import { describe, it } from "vitest";
import { type DigestInfo, digestByName, OID } from "../algorithms.js";
import { berContext, children, readRoot } from "../asn1/ber-reader.js";
import { skipWithoutVectors } from "../test-support/external-vectors.js";
import { checkWycheproof, hex, type WycheproofGroup } from "../test-support/wycheproof.js";
import { parseSignatureAlgorithm, type SignatureScheme } from "./signature-algorithm.js";
import { verifySignature } from "./verify-signature.js";

/**
 * RSASSA-PKCS1-v1_5, RSASSA-PSS and ECDSA (DER) verification against Project Wycheproof,
 * through verifySignature — what certificates, CRLs and CMS SignerInfos are checked with. The
 * *_params files give RSASSA-PSS-params in the key's AlgorithmIdentifier: those go through
 * parseSignatureAlgorithm as a certificate's or SignerInfo's parameters would.
 */
const digest = (name: unknown): DigestInfo => {
  const d = digestByName(name as string);
  if (!d) throw new Error(`no digest ${String(name)}`);
  return d;
};
const rsaKey = (group: WycheproofGroup) =>
  createPublicKey({ key: hex(group.publicKeyAsn), format: "der", type: "pkcs1" });

/**
 * A PKCS#1 v1.5 DigestInfo whose AlgorithmIdentifier omits the NULL parameters is refused, as
 * OpenSSL refuses it: RFC 8017 §9.2 (note 1) and RFC 5754 §3.2 write the NULL, and a second
 * accepted encoding of one signature is only room for forgeries.
 */
const ACCEPTABLE = { MissingNull: false };

function check(name: string, scheme: (group: WycheproofGroup) => SignatureScheme | undefined, key = rsaKey) {
  checkWycheproof(
    name,
    (test, group) => {
      const s = scheme(group);
      if (!s) return false;
      const d = s.digest ?? digest(group.sha);
      return verifySignature(s, d, key(group), hex(test.msg), hex(test.sig)) === null;
    },
    ACCEPTABLE,
  );
}

describe.skipIf(skipWithoutVectors("wycheproof"))("Wycheproof RSASSA-PKCS1-v1_5", () => {
  for (const bits of [2048, 3072, 4096])
    for (const sha of ["sha256", "sha384", "sha512", ...(bits === 2048 ? ["sha224"] : [])]) {
      const name = `rsa_signature_${bits}_${sha}_test`;
      it(name, () => check(name, (g) => ({ kind: "rsa-pkcs1", name: "RSA", digest: digest(g.sha) })));
    }
});

describe.skipIf(skipWithoutVectors("wycheproof"))("Wycheproof RSASSA-PSS", () => {
  const pss = (g: WycheproofGroup): SignatureScheme => ({
    kind: "rsa-pss",
    name: "RSA-PSS",
    digest: digest(g.sha),
    saltLength: g.sLen as number,
  });
  for (const name of [
    "rsa_pss_2048_sha1_mgf1_20_test",
    "rsa_pss_2048_sha256_mgf1_0_test",
    "rsa_pss_2048_sha256_mgf1_32_test",
    "rsa_pss_2048_sha384_mgf1_48_test",
    "rsa_pss_3072_sha256_mgf1_32_test",
    "rsa_pss_4096_sha256_mgf1_32_test",
    "rsa_pss_4096_sha384_mgf1_48_test",
    "rsa_pss_4096_sha512_mgf1_64_test",
  ])
    it(name, () => check(name, pss));

  const fromKeyParameters = (g: WycheproofGroup): SignatureScheme | undefined => {
    const spki = hex(g.publicKeyDer);
    const ctx = berContext();
    const [algorithm] = children(spki, readRoot(spki, ctx), ctx);
    const [, params] = algorithm ? children(spki, algorithm, ctx) : [];
    const parsed = parseSignatureAlgorithm(OID.rsassaPss, params && spki.subarray(params.start, params.end));
    return parsed.kind === "unsupported" ? undefined : parsed;
  };
  for (const name of [
    "rsa_pss_2048_sha1_mgf1_20_params_test",
    "rsa_pss_2048_sha256_mgf1_0_params_test",
    "rsa_pss_2048_sha256_mgf1_32_params_test",
    "rsa_pss_4096_sha512_mgf1_64_params_test",
  ])
    it(name, () => check(name, fromKeyParameters));
});

describe.skipIf(skipWithoutVectors("wycheproof"))("Wycheproof ECDSA (DER signatures)", () => {
  const ecKey = (g: WycheproofGroup) =>
    createPublicKey({ key: hex(g.publicKeyDer), format: "der", type: "spki" });
  for (const name of [
    "ecdsa_secp256r1_sha256_test",
    "ecdsa_secp256r1_sha512_test",
    "ecdsa_secp384r1_sha384_test",
    "ecdsa_secp384r1_sha512_test",
    "ecdsa_secp521r1_sha512_test",
  ])
    it(name, () => check(name, (g) => ({ kind: "ecdsa", name: "ECDSA", digest: digest(g.sha) }), ecKey));
});
