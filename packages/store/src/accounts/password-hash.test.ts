import { describe, expect, it } from "vitest";
import { StoreError } from "../errors.js";
import { DEFAULT_SCRYPT, hashPassword, verifyPassword } from "./password-hash.js";

const cheap = { logN: 10, r: 8, p: 1 };

describe("login password hashing (scrypt, RFC 7914)", () => {
  it("verifies the right password and refuses others", async () => {
    const hash = await hashPassword("correct horse", cheap);
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("correct horsE", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("salts every hash, so equal passwords give different hashes", async () => {
    const a = await hashPassword("same", cheap);
    const b = await hashPassword("same", cheap);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same", b)).toBe(true);
  });

  it("stores its parameters: a hash made with other costs still verifies", async () => {
    const strong = await hashPassword("pw", { logN: 12, r: 8, p: 2 });
    expect(strong).toContain("ln=12,r=8,p=2");
    expect(await verifyPassword("pw", strong)).toBe(true);
  });

  it("uses the default cost when none is given", async () => {
    const hash = await hashPassword("pw");
    expect(hash).toContain(`ln=${DEFAULT_SCRYPT.logN},r=${DEFAULT_SCRYPT.r},p=${DEFAULT_SCRYPT.p}`);
    expect(await verifyPassword("pw", hash)).toBe(true);
  });

  it("normalises to NFC: a composed and a decomposed é are the same password", async () => {
    const hash = await hashPassword("caf\u00e9", cheap);
    expect(await verifyPassword("cafe\u0301", hash)).toBe(true);
  });

  it("never verifies against a malformed or tampered hash", async () => {
    const hash = await hashPassword("pw", cheap);
    expect(await verifyPassword("pw", "plaintext")).toBe(false);
    expect(await verifyPassword("pw", hash.replace("ln=10", "ln=11"))).toBe(false);
    expect(await verifyPassword("pw", hash.replace(/\$[^$]+$/, "$AAAA"))).toBe(false);
  });

  it("refuses an empty or absurdly long password", async () => {
    await expect(hashPassword("", cheap)).rejects.toThrow(StoreError);
    await expect(hashPassword("x".repeat(1025), cheap)).rejects.toThrow(/longer than/);
  });
});
