import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OID } from "../algorithms.js";
import { berContext, children, contentBytes, readRoot, type Tlv } from "../asn1/ber-reader.js";
import { der } from "../asn1/index.js";
import { importPfx } from "./import-pfx.js";

/** RFC 9579 Appendix A (PBMAC1 in PKCS #12); password "1234". See test/vectors/README.md. */
const vector = (name: string) =>
  Buffer.from(readFileSync(join(import.meta.dirname, `test/vectors/${name}.b64`), "utf8"), "base64");
const A1 = vector("rfc9579-a1");
const A3 = vector("rfc9579-a3");

describe("PBMAC1 (RFC 9579)", () => {
  it("A.1: SHA-256 HMAC and PRF verifies", () => {
    const r = importPfx(A1, "1234");
    expect(r.mac).toBe("PBMAC1 HMAC-SHA256 (PBKDF2-HMAC-SHA256, 2048 iterations)");
    expect(r.encryption).toBe("AES-256-CBC (PBKDF2-HMAC-SHA256, 2048 iterations)");
    expect(r.identity.certificate.commonName).toBe("tt");
  });

  it("A.3: SHA-512 HMAC and PRF verifies", () => {
    expect(importPfx(A3, "1234").mac).toBe("PBMAC1 HMAC-SHA512 (PBKDF2-HMAC-SHA512, 2048 iterations)");
  });

  it("a wrong password is wrong-password", () => {
    expect(() => importPfx(A1, "12345")).toThrow(expect.objectContaining({ code: "wrong-password" }));
  });

  // The PBMAC1 PBKDF2 parameters of A.1: salt 6f473c38b02e3173, 2048 iterations, keyLength 32.
  const salt = Buffer.from("6f473c38b02e3173", "hex");
  const paramsAt = A1.indexOf(
    Buffer.concat([Buffer.from([0x04, 0x08]), salt, Buffer.from([0x02, 0x02, 0x08, 0x00])]),
  );

  it("A.4-style: a changed PBMAC1 iteration count fails the MAC; the key still decrypts → integrity", () => {
    expect(paramsAt).toBeGreaterThan(0);
    const bad = Buffer.from(A1);
    bad[paramsAt + 13] = 0x01; // 2048 → 2049
    expect(() => importPfx(bad, "1234")).toThrow(expect.objectContaining({ code: "integrity" }));
  });

  it("A.5-style: a changed PBMAC1 salt → integrity", () => {
    const bad = Buffer.from(A1);
    bad[paramsAt + 2] = (bad[paramsAt + 2] as number) ^ 0xff;
    expect(() => importPfx(bad, "1234")).toThrow(expect.objectContaining({ code: "integrity" }));
  });

  it("A.6-style: PBKDF2 parameters without keyLength cannot verify → integrity", () => {
    const ctx = berContext();
    const [version, authSafe, macData] = children(A1, readRoot(A1, ctx), ctx) as [Tlv, Tlv, Tlv];
    const [digestInfo] = children(A1, macData, ctx) as [Tlv];
    const [, value] = children(A1, digestInfo, ctx) as [Tlv, Tlv];
    const pbkdf2 = der.sequence(
      der.octetString(salt),
      der.integer(2048),
      der.algorithmIdentifier(OID.hmacWithSha256, der.nullValue()),
    );
    const mac = der.sequence(
      der.sequence(
        der.algorithmIdentifier(
          OID.pbmac1,
          der.sequence(
            der.algorithmIdentifier(OID.pbkdf2, pbkdf2),
            der.algorithmIdentifier(OID.hmacWithSha256, der.nullValue()),
          ),
        ),
        der.octetString(contentBytes(A1, value)),
      ),
      der.octetString(Buffer.from("NOT USED")),
      der.integer(1),
    );
    const raw = (t: Tlv) => A1.subarray(t.start, t.end);
    const bad = der.sequence(raw(version), raw(authSafe), mac);
    expect(() => importPfx(bad, "1234")).toThrow(expect.objectContaining({ code: "integrity" }));
  });
});
