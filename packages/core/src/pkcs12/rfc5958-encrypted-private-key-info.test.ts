import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptPrivateKeyInfo } from "./decrypt-private-key-info.js";
import { openssl, tempDir } from "./test-support/peers.js";

/** PKCS#8 EncryptedPrivateKeyInfo as `openssl pkcs8 -topk8` writes it, every scheme it offers. */
let keyPem: string;
let publicDer: Buffer;
const LEGACY = ["-provider", "legacy", "-provider", "default"];

beforeAll(() => {
  const dir = tempDir();
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", join(dir, "k.pem")]);
  keyPem = readFileSync(join(dir, "k.pem"), "utf8");
  publicDer = createPublicKey(keyPem).export({ type: "spki", format: "der" });
});

const schemes: Array<[string, string[]]> = [
  ["PBES2 AES-256-CBC, HMAC-SHA512", ["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512"]],
  ["PBES2 AES-128-CBC, HMAC-SHA1", ["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"]],
  ["PBES2 AES-192-CBC, HMAC-SHA384", ["-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA384"]],
  ["PBES2 scrypt", ["-scrypt"]],
  ["PBES2 RC2-CBC", ["-v2", "rc2-cbc", ...LEGACY]],
  ["PBES1 pbeWithSHA1AndRC2-CBC", ["-v1", "PBE-SHA1-RC2-64", ...LEGACY]],
  ["PBES1 pbeWithMD5AndRC2-CBC", ["-v1", "PBE-MD5-RC2-64", ...LEGACY]],
  ["PKCS#12 PBE 3DES", ["-v1", "PBE-SHA1-3DES"]],
];

describe("decryptPrivateKeyInfo ← openssl pkcs8 -topk8", () => {
  it.each(schemes)("%s", (_name, args) => {
    const der = openssl(
      ["pkcs8", "-topk8", "-outform", "DER", "-passout", "pass:pässwörd", ...args],
      Buffer.from(keyPem),
    );
    const key = decryptPrivateKeyInfo(der, "pässwörd");
    expect(Buffer.compare(createPublicKey(key).export({ type: "spki", format: "der" }), publicDer)).toBe(0);
    expect(() => decryptPrivateKeyInfo(der, "passwörd")).toThrow(
      expect.objectContaining({ code: "wrong-password" }),
    );
  });

  it("reads PEM too, and names what it cannot do", () => {
    const pem = openssl(["pkcs8", "-topk8", "-passout", "pass:pw"], Buffer.from(keyPem)).toString();
    expect(decryptPrivateKeyInfo(pem, "pw").asymmetricKeyType).toBe("ec");
    const des = openssl(
      ["pkcs8", "-topk8", "-outform", "DER", "-passout", "pass:pw", "-v1", "PBE-MD5-DES", ...LEGACY],
      Buffer.from(keyPem),
    );
    expect(() => decryptPrivateKeyInfo(des, "pw")).toThrow(
      expect.objectContaining({
        code: "unsupported-algorithm",
        message: expect.stringContaining("pbeWithMD5AndDES-CBC"),
      }),
    );
  });
});
