import { createECDH, createPrivateKey, type KeyObject } from "node:crypto";
import { describe, it } from "vitest";
import { OID } from "../../algorithms.js";
import { isCoreError } from "../../errors.js";
import { skipWithoutVectors } from "../../test-support/external-vectors.js";
import { checkWycheproof, hex } from "../../test-support/wycheproof.js";
import { ecdhSharedSecret } from "./key-agreement.js";

/**
 * ECDH (RFC 5753 §3.1.1) against Project Wycheproof: the originator's public key as the ECPoint
 * a KeyAgreeRecipientInfo carries, our key as a private scalar. Points off the curve
 * (invalid-curve attacks) and bad encodings must be refused, never turned into a secret.
 * The KDF after it (ANSI X9.63) has no Wycheproof vectors: ansx963-kdf.test.ts checks it
 * against OpenSSL.
 */
const CURVES = [
  { file: "ecdh_secp256r1_ecpoint_test", node: "prime256v1", crv: "P-256", oid: OID.p256, bytes: 32 },
  { file: "ecdh_secp384r1_ecpoint_test", node: "secp384r1", crv: "P-384", oid: OID.p384, bytes: 48 },
  { file: "ecdh_secp521r1_ecpoint_test", node: "secp521r1", crv: "P-521", oid: OID.p521, bytes: 66 },
];

/** Compressed points are legal ECPoints (SEC 1 §2.3.3), and OpenSSL decodes them. */
const ACCEPTABLE = { CompressedPublic: true };

function privateKeyOf(curve: (typeof CURVES)[number], scalarHex: string) {
  const scalar = hex(scalarHex);
  const d = Buffer.alloc(curve.bytes);
  const trimmed = scalar.subarray(Math.max(0, scalar.length - curve.bytes));
  trimmed.copy(d, curve.bytes - trimmed.length);
  const ecdh = createECDH(curve.node);
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey();
  const b64 = (b: Buffer) => b.toString("base64url");
  const x = pub.subarray(1, 1 + curve.bytes);
  const y = pub.subarray(1 + curve.bytes);
  return createPrivateKey({
    key: { kty: "EC", crv: curve.crv, d: b64(d), x: b64(x), y: b64(y) },
    format: "jwk",
  });
}

describe.skipIf(skipWithoutVectors("wycheproof"))("Wycheproof ECDH", () => {
  for (const curve of CURVES) {
    it(curve.file, () => {
      // Many vectors share a private key; importing one costs more than the agreement.
      const keys = new Map<string, KeyObject>();
      checkWycheproof(
        curve.file,
        (test) => {
          const scalar = test.private as string;
          const key = keys.get(scalar) ?? privateKeyOf(curve, scalar);
          keys.set(scalar, key);
          try {
            return ecdhSharedSecret(key, curve.oid, hex(test.public)).equals(hex(test.shared));
          } catch (error) {
            if (!isCoreError(error, "malformed")) throw error;
            return false;
          }
        },
        ACCEPTABLE,
      );
    });
  }
});
