import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { x963Kdf } from "./x963-kdf.js";

const { vectors } = JSON.parse(
  readFileSync(join(import.meta.dirname, "test/vectors/ansx963-kdf.json"), "utf8"),
) as { vectors: { hash: string; z: string; sharedInfo: string; keyData: string }[] };
const hex = (s: string) => Buffer.from(s, "hex");

function opensslX963(digest: string, z: Buffer, info: Buffer, length: number): string {
  const args = ["kdf", "-keylen", String(length), "-kdfopt", `digest:${digest}`];
  args.push("-kdfopt", `hexsecret:${z.toString("hex")}`);
  if (info.length > 0) args.push("-kdfopt", `hexinfo:${info.toString("hex")}`);
  const out = execFileSync("openssl", [...args, "X963KDF"]).toString();
  return out.replace(/[:\s]/g, "").toLowerCase();
}

describe("ANSI X9.63 KDF", () => {
  it.each(vectors)("NIST CAVP $hash vector z=$z", ({ hash, z, sharedInfo, keyData }) => {
    expect(x963Kdf(hash, hex(z), hex(sharedInfo), keyData.length / 2).toString("hex")).toBe(keyData);
  });

  it.each(["SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"])(
    "%s agrees with `openssl kdf X963KDF` on ECDH-shaped inputs",
    (hash) => {
      for (const [zLength, infoLength, keyLength] of [
        [32, 23, 16],
        [48, 23, 24],
        [66, 0, 32],
        [32, 40, 100],
      ] as const) {
        const z = randomBytes(zLength);
        const info = randomBytes(infoLength);
        expect(x963Kdf(hash, z, info, keyLength).toString("hex")).toBe(
          opensslX963(hash.replace("-", ""), z, info, keyLength),
        );
      }
    },
  );

  it("keeps leading zero bytes of Z (the field-length rule, RFC 5753 §3.1.2)", () => {
    const z = Buffer.concat([Buffer.alloc(3), randomBytes(29)]);
    expect(
      x963Kdf("SHA-256", z, Buffer.alloc(0), 32).equals(
        x963Kdf("SHA-256", z.subarray(3), Buffer.alloc(0), 32),
      ),
    ).toBe(false);
  });
});
