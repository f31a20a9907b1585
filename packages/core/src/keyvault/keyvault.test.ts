import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { berContext, readRoot } from "../asn1/ber-reader.js";
import { isCoreError } from "../errors.js";
import {
  encodeEncryptedPrivateKeyInfo,
  readEncryptedPrivateKeyInfo,
} from "../pkcs12/encrypted-private-key-info.js";
import { newPbes2, pbeEncrypt } from "../pkcs12/pbe-cipher.js";
import { runAll, tempDir } from "../pkcs12/test-support/peers.js";
import { resealPrivateKeys } from "./reseal-private-keys.js";
import { DEFAULT_SEAL_ITERATIONS, sealPrivateKey } from "./seal-private-key.js";
import { MIN_PASSWORD_CODE_POINTS, normalizeSecureMailPassword } from "./secure-mail-password.js";
import { unlock } from "./unlock.js";
import { unsealPrivateKey } from "./unseal-private-key.js";

let rsa: KeyObject;
let ec: KeyObject;
/** Sealed once with the real defaults (600,000 iterations); other tests use the minimum too. */
let sealedRsa: Uint8Array;
const PW = "Zwölf Boxkämpfer 🥊";

beforeAll(() => {
  rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  sealedRsa = sealPrivateKey(rsa, PW);
});

const spki = (k: KeyObject) =>
  (k.type === "private" ? createPublicKey(k) : k).export({ type: "spki", format: "der" }).toString("hex");
function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isCoreError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe("normalizeSecureMailPassword", () => {
  it("NFC-normalises and counts code points, any script, 8..100", () => {
    expect(normalizeSecureMailPassword("e\u0301".repeat(8))).toBe("é".repeat(8));
    expect(normalizeSecureMailPassword("🔑".repeat(100))).toBe("🔑".repeat(100)); // 200 UTF-16 units
    for (const pw of ["我的安全邮件密码", "كلمة السر", "секретное слово", "パスワードです。", "xxxxxxxx"])
      expect(normalizeSecureMailPassword(pw)).toBe(pw);
    expect(code(() => normalizeSecureMailPassword(""))).toBe("invalid-password");
    expect(code(() => normalizeSecureMailPassword("🔑".repeat(101)))).toBe("invalid-password");
    expect(code(() => normalizeSecureMailPassword("a".repeat(101)))).toBe("invalid-password");
    expect(code(() => normalizeSecureMailPassword("ab\uD800c"))).toBe("invalid-password");
    // 100 decomposed characters are 200 code points before NFC and 100 after: the rule applies after.
    expect(normalizeSecureMailPassword("e\u0301".repeat(100))).toBe("é".repeat(100));
  });

  it("refuses 7 code points and accepts 8, in any script, counted after NFC", () => {
    expect(MIN_PASSWORD_CODE_POINTS).toBe(8);
    expect(code(() => normalizeSecureMailPassword("abcdefg"))).toBe("invalid-password");
    expect(normalizeSecureMailPassword("abcdefgh")).toBe("abcdefgh");
    expect(code(() => normalizeSecureMailPassword("пароль1"))).toBe("invalid-password");
    expect(normalizeSecureMailPassword("пароль12")).toBe("пароль12");
    expect(code(() => normalizeSecureMailPassword("我的安全邮件密"))).toBe("invalid-password"); // 7
    expect(normalizeSecureMailPassword("我的安全邮件密码")).toBe("我的安全邮件密码");
    // Astral characters are one code point each (two UTF-16 units): 7 emoji are 14 units, still 7.
    expect(code(() => normalizeSecureMailPassword("🔑".repeat(7)))).toBe("invalid-password");
    expect(normalizeSecureMailPassword("🔑".repeat(8))).toBe("🔑".repeat(8));
    // 7 decomposed characters are 14 code points as typed, 7 after NFC: refused.
    expect(code(() => normalizeSecureMailPassword("e\u0301".repeat(7)))).toBe("invalid-password");
  });

  it("still opens and re-seals a key sealed under the older, shorter rule", () => {
    // Sealed by hand the way sealPrivateKey did when 1..7 characters were allowed.
    const scheme = newPbes2({ iterations: 600_000 });
    const pkcs8 = ec.export({ type: "pkcs8", format: "der" });
    const legacy = encodeEncryptedPrivateKeyInfo(scheme, pbeEncrypt(scheme, Buffer.from("abc"), pkcs8));
    expect(spki(unsealPrivateKey(legacy, "abc"))).toBe(spki(ec));
    expect(spki(unlock([legacy], "abc").keys()[0] as KeyObject)).toBe(spki(ec));
    expect(code(() => resealPrivateKeys([legacy], "abc", "abcdefg"))).toBe("invalid-password");
    const [resealed] = resealPrivateKeys([legacy], "abc", "a longer phrase");
    expect(spki(unsealPrivateKey(resealed as Uint8Array, "a longer phrase"))).toBe(spki(ec));
  });
});

describe("sealPrivateKey / unsealPrivateKey", () => {
  it("seals a standard PBES2 EncryptedPrivateKeyInfo: PBKDF2-HMAC-SHA256 600,000 and AES-256-CBC", () => {
    const ctx = berContext();
    const { scheme } = readEncryptedPrivateKeyInfo(sealedRsa, readRoot(sealedRsa, ctx), ctx);
    expect(scheme.kind === "pbes2" && scheme.kdf.kind === "pbkdf2" && scheme.kdf.iterations).toBe(
      DEFAULT_SEAL_ITERATIONS,
    );
    expect(scheme.kind === "pbes2" && scheme.cipher.name).toBe("AES-256-CBC");
    expect(scheme.kind === "pbes2" && scheme.kdf.kind === "pbkdf2" && scheme.kdf.prf.name).toBe("SHA-256");
    const started = performance.now();
    const key = unsealPrivateKey(sealedRsa, PW);
    const ms = performance.now() - started;
    expect(spki(key)).toBe(spki(rsa));
    expect(ms).toBeLessThan(3000); // the 250 ms target is measured by bench/keys.ts, not on a busy CI box
  });

  it("openssl pkcs8 decrypts it (PBKDF2 and scrypt, non-ASCII password)", () => {
    const dir = tempDir("sealbox-vault-");
    const cases: Array<[string, Uint8Array]> = [
      ["pbkdf2.der", sealedRsa],
      // OpenSSL 3.0 caps scrypt at 32 MiB (its default maxmem): it opens N=2^14 but not 2^15 or 2^16.
      ["scrypt.der", sealPrivateKey(ec, PW, { kdf: "scrypt", scryptN: 1 << 14 })],
    ];
    for (const [name, sealed] of cases) {
      writeFileSync(join(dir, name), sealed);
      const out = runAll("openssl", [
        "pkcs8",
        "-in",
        join(dir, name),
        "-inform",
        "DER",
        "-passin",
        `pass:${PW}`,
      ]);
      const pem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(out)?.[0];
      expect(pem, out).toBeDefined();
      expect(spki(createPublicKey(pem as string))).toBe(spki(name.startsWith("pbkdf2") ? rsa : ec));
      expect(() =>
        runAll("openssl", ["pkcs8", "-in", join(dir, name), "-inform", "DER", "-passin", "pass:wrong"]),
      ).toThrow();
    }
    expect(readFileSync(join(dir, "pbkdf2.der")).length).toBeGreaterThan(1000);
    writeFileSync(join(dir, "scrypt16.der"), sealPrivateKey(ec, PW, { kdf: "scrypt" }));
    expect(() =>
      runAll("openssl", [
        "pkcs8",
        "-in",
        join(dir, "scrypt16.der"),
        "-inform",
        "DER",
        "-passin",
        `pass:${PW}`,
      ]),
    ).toThrow(/memory limit exceeded/);
    expect(spki(unsealPrivateKey(readFileSync(join(dir, "scrypt16.der")), PW))).toBe(spki(ec));
  });

  it("a wrong password is one error; NFD typing of an NFC password opens it", () => {
    expect(code(() => unsealPrivateKey(sealedRsa, `${PW}!`))).toBe("wrong-password");
    expect(code(() => unsealPrivateKey(sealedRsa, ""))).toBe("wrong-password");
    expect(spki(unsealPrivateKey(sealedRsa, PW.normalize("NFD")))).toBe(spki(rsa));
  });

  it("fresh salt and IV every time; round-trips any valid password (property)", () => {
    const a = sealPrivateKey(ec, "same password", { iterations: 600_000 });
    const b = sealPrivateKey(ec, "same password", { iterations: 600_000 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 8, maxLength: 30 }), (pw) => {
        const sealed = sealPrivateKey(ec, pw, { kdf: "scrypt", scryptN: 1 << 14 });
        expect(spki(unsealPrivateKey(sealed, pw))).toBe(spki(ec));
      }),
      { numRuns: 8 },
    );
  });

  it("refuses weak parameters when sealing and hostile ones when unsealing", () => {
    expect(code(() => sealPrivateKey(ec, PW, { iterations: 1000 }))).toBe("invalid-argument");
    expect(code(() => sealPrivateKey(ec, PW, { kdf: "scrypt", scryptN: 1 << 17 }))).toBe("invalid-argument");
    expect(code(() => sealPrivateKey(ec, ""))).toBe("invalid-password");
    expect(code(() => sealPrivateKey(ec, "seven!!"))).toBe("invalid-password");
    expect(code(() => sealPrivateKey(createPublicKey(ec), PW))).toBe("invalid-argument");
    const hostile = encodeEncryptedPrivateKeyInfo(
      newPbes2({ iterations: 2_000_000_000 }),
      new Uint8Array(32),
    );
    const started = performance.now();
    expect(code(() => unsealPrivateKey(hostile, "pw"))).toBe("limit-exceeded");
    // Refused before any KDF work: 2e9 iterations would take hours, so seconds is proof enough
    // even on a loaded CI machine (a tight bound here flaked under load).
    expect(performance.now() - started).toBeLessThan(5000);
    expect(code(() => unsealPrivateKey(Uint8Array.of(0x30, 0x03, 0x02, 0x01), "pw"))).toBe("malformed");
  });
});

describe("resealPrivateKeys", () => {
  it("re-seals all keys under the new password, sharing one fresh salt", () => {
    const old = [sealedRsa, sealPrivateKey(ec, PW)];
    const next = resealPrivateKeys(old, PW, "new password");
    expect(next).toHaveLength(2);
    expect(spki(unsealPrivateKey(next[0] as Uint8Array, "new password"))).toBe(spki(rsa));
    expect(spki(unsealPrivateKey(next[1] as Uint8Array, "new password"))).toBe(spki(ec));
    expect(code(() => unsealPrivateKey(next[0] as Uint8Array, PW))).toBe("wrong-password");
    const salts = next.map((s) => {
      const ctx = berContext();
      const { scheme } = readEncryptedPrivateKeyInfo(s, readRoot(s, ctx), ctx);
      return scheme.kind === "pbes2" ? Buffer.from(scheme.kdf.salt).toString("hex") : "";
    });
    expect(salts[0]).toBe(salts[1]);
    expect(salts[0]).not.toBe("");
  });

  it("is all or nothing", () => {
    const mixed = [sealedRsa, sealPrivateKey(ec, "another password")];
    expect(code(() => resealPrivateKeys(mixed, PW, "new password"))).toBe("wrong-password");
    expect(code(() => resealPrivateKeys([sealedRsa], PW, ""))).toBe("invalid-password");
  });
});

describe("unlock", () => {
  it("gives the keys until the injected clock passes the expiry (default 180 s)", () => {
    let clock = 1_000_000;
    const handle = unlock([sealedRsa], PW, { now: () => clock });
    expect(handle.expiresAt).toBe(1_000_000 + 180_000);
    expect(handle.isLocked()).toBe(false);
    expect(handle.keys().map(spki)).toEqual([spki(rsa)]);
    clock += 179_999;
    expect(handle.keys()).toHaveLength(1);
    clock += 1;
    expect(handle.isLocked()).toBe(true);
    expect(code(() => handle.keys())).toBe("locked");
    clock -= 10_000; // a clock going back does not revive a locked handle
    expect(code(() => handle.keys())).toBe("locked");
  });

  it("locks early, takes a custom lifetime, keeps key order, and refuses a wrong password", () => {
    const keys = resealPrivateKeys([sealedRsa, sealPrivateKey(ec, PW)], PW, PW);
    const handle = unlock(keys, PW, { lifetimeMs: 5_000, now: () => 0 });
    expect(handle.expiresAt).toBe(5_000);
    expect(handle.keys().map(spki)).toEqual([spki(rsa), spki(ec)]);
    const { keys: destructured } = handle;
    handle.lock();
    expect(handle.isLocked()).toBe(true);
    expect(code(() => destructured())).toBe("locked");
    expect(code(() => unlock(keys, "wrong"))).toBe("wrong-password");
    expect(code(() => unlock([], PW))).toBe("invalid-argument");
  });
});
