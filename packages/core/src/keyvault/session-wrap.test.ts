import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from "node:crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { isCoreError } from "../errors.js";
import {
  deriveSessionWrappingKey,
  unwrapSessionKeys,
  type WrappedKeyEntry,
  wrapSessionKeys,
} from "./session-wrap.js";

let rsa: KeyObject;
let ec: KeyObject;
let entries: WrappedKeyEntry[];
const TOKEN = randomBytes(32);
const AAD = "account 01J0000000000000000000000A session 01J0000000000000000000000B";
const key = () => deriveSessionWrappingKey(TOKEN, "web");

beforeAll(() => {
  rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  entries = [
    { label: "a".repeat(64), key: rsa },
    { label: "b".repeat(64), key: ec },
  ];
});

const der = (k: KeyObject) => k.export({ format: "der", type: "pkcs8" }).toString("hex");
function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isCoreError(error)) return error.code;
    throw error;
  }
  return undefined;
}
/** Every way a blob can fail to open says the same thing, so it tells an attacker nothing. */
function expectLocked(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(isCoreError(error, "locked")).toBe(true);
    expect((error as Error).message).toBe("the unlocked session is no longer valid; unlock again");
    return;
  }
  expect.fail("expected CoreError(locked)");
}

describe("deriveSessionWrappingKey", () => {
  it("is HKDF-SHA256 with an empty salt and a versioned info (vector from openssl kdf)", () => {
    // openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt "key:correct horse battery"
    //   -kdfopt "info:sealbox unlock v1 acct-1 sess-1" HKDF   (OpenSSL 3.0.19)
    const k = deriveSessionWrappingKey("correct horse battery", "acct-1 sess-1");
    expect(Buffer.from(k).toString("hex")).toBe(
      "c5bb9d20dfc2f61ac8f44d70795c2882174de232318cda7fd0a7c7233e8dd33d",
    );
    expect(deriveSessionWrappingKey(Buffer.from("correct horse battery"), "acct-1 sess-1")).toEqual(k);
    expect(deriveSessionWrappingKey("correct horse battery", "acct-1 sess-2")).not.toEqual(k);
  });

  it("refuses a token under 16 bytes (UTF-8 bytes, not characters)", () => {
    expect(code(() => deriveSessionWrappingKey(new Uint8Array(15), "x"))).toBe("invalid-argument");
    expect(code(() => deriveSessionWrappingKey("fifteen chars!!", "x"))).toBe("invalid-argument");
    expect(deriveSessionWrappingKey(new Uint8Array(16), "x")).toHaveLength(32);
    expect(deriveSessionWrappingKey("ключключ", "x")).toHaveLength(32); // 8 characters, 16 UTF-8 bytes
  });
});

describe("wrapSessionKeys / unwrapSessionKeys", () => {
  it("round-trips RSA and EC keys with their labels, in order", () => {
    const blob = wrapSessionKeys(entries, key(), AAD);
    const back = unwrapSessionKeys(blob, key(), AAD);
    expect(back.map((e) => e.label)).toEqual(entries.map((e) => e.label));
    expect(back.map((e) => der(e.key))).toEqual([der(rsa), der(ec)]);
    const data = Buffer.from("sign me");
    for (const [i, original] of [rsa, ec].entries()) {
      const signature = sign("sha256", data, (back[i] as WrappedKeyEntry).key);
      expect(verify("sha256", data, createPublicKey(original), signature)).toBe(true);
    }
  });

  it("writes version 2 | 12-byte IV | ciphertext as long as the plaintext | 16-byte tag", () => {
    const blob = wrapSessionKeys(entries, key(), AAD);
    const jwkLength = (k: KeyObject) => Buffer.byteLength(JSON.stringify(k.export({ format: "jwk" })));
    const plaintext = 2 + entries.reduce((n, e) => n + 2 + e.label.length + 4 + jwkLength(e.key), 0);
    expect(blob[0]).toBe(0x02);
    expect(blob.length).toBe(1 + 12 + plaintext + 16);
  });

  it("round-trips an empty list", () => {
    const blob = wrapSessionKeys([], key(), AAD);
    expect(blob.length).toBe(1 + 12 + 2 + 16);
    expect(unwrapSessionKeys(blob, key(), AAD)).toEqual([]);
  });

  it("draws a fresh IV for every wrap of the same keys", () => {
    const a = wrapSessionKeys(entries, key(), AAD);
    const b = wrapSessionKeys(entries, key(), AAD);
    expect(Buffer.from(a.subarray(1, 13)).equals(Buffer.from(b.subarray(1, 13)))).toBe(false);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it("refuses a wrong token, a wrong context and a wrong AAD (a blob moved to another row)", () => {
    const blob = wrapSessionKeys(entries, key(), AAD);
    expectLocked(() => unwrapSessionKeys(blob, deriveSessionWrappingKey(randomBytes(32), "web"), AAD));
    expectLocked(() => unwrapSessionKeys(blob, deriveSessionWrappingKey(TOKEN, "cli"), AAD));
    expectLocked(() => unwrapSessionKeys(blob, key(), AAD.replace("B", "C")));
    expectLocked(() => unwrapSessionKeys(blob, key(), ""));
  });

  it("refuses a blob with any byte flipped: version, IV, ciphertext or tag", () => {
    const blob = wrapSessionKeys(entries, key(), AAD);
    for (const at of [0, 1, 12, 13, 200, blob.length - 17, blob.length - 16, blob.length - 1]) {
      const altered = Uint8Array.from(blob);
      altered[at] = (altered[at] as number) ^ 0x01;
      expectLocked(() => unwrapSessionKeys(altered, key(), AAD));
    }
  });

  it("refuses a truncated or extended blob", () => {
    const blob = wrapSessionKeys(entries, key(), AAD);
    for (const length of [0, 1, 13, 28, 29, 100, blob.length - 1])
      expectLocked(() => unwrapSessionKeys(blob.subarray(0, length), key(), AAD));
    expectLocked(() => unwrapSessionKeys(Buffer.concat([blob, Buffer.of(0)]), key(), AAD));
    const empty = wrapSessionKeys([], key(), AAD);
    expectLocked(() => unwrapSessionKeys(empty.subarray(0, empty.length - 1), key(), AAD));
  });

  it("refuses misuse: a wrapping key that is not 32 bytes, a public key", () => {
    const blob = wrapSessionKeys(entries, key(), AAD);
    for (const bad of [new Uint8Array(16), new Uint8Array(31), new Uint8Array(33)]) {
      expect(code(() => wrapSessionKeys(entries, bad, AAD))).toBe("invalid-argument");
      expect(code(() => unwrapSessionKeys(blob, bad, AAD))).toBe("invalid-argument");
    }
    const pub = [{ label: "p", key: createPublicKey(ec) }];
    expect(code(() => wrapSessionKeys(pub, key(), AAD))).toBe("invalid-argument");
  });

  it("wipes the plaintext buffers it built (the exported key's bytes included)", () => {
    const filled: Buffer[] = [];
    const fill = Buffer.prototype.fill;
    // Every Buffer wrapSessionKeys zeroes passes through fill(0): record them.
    Buffer.prototype.fill = function (this: Buffer, ...args: Parameters<Buffer["fill"]>) {
      if (args[0] === 0) filled.push(this);
      return fill.apply(this, args);
    } as Buffer["fill"];
    let blob: Uint8Array;
    try {
      blob = wrapSessionKeys([{ label: "spy", key: ec }], key(), AAD);
    } finally {
      Buffer.prototype.fill = fill;
    }
    const d = (ec.export({ format: "jwk" }) as { d: string }).d;
    const withKey = filled.filter((b) => b.length > 0 && b.every((x) => x === 0));
    // The JWK's bytes (and the whole plaintext holding them) were zeroed after use.
    const jwkBytes = Buffer.byteLength(JSON.stringify(ec.export({ format: "jwk" })));
    expect(withKey.some((b) => b.length === jwkBytes)).toBe(true);
    for (const b of filled) expect(b.includes(d)).toBe(false);
    expect(der((unwrapSessionKeys(blob, key(), AAD)[0] as WrappedKeyEntry).key)).toBe(der(ec));
  });

  it("round-trips any labels (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme", maxLength: 80 }), { maxLength: 5 }),
        fc.string({ maxLength: 60 }),
        (labels, aad) => {
          const wrapped = wrapSessionKeys(
            labels.map((label) => ({ label, key: ec })),
            key(),
            aad,
          );
          const back = unwrapSessionKeys(wrapped, key(), aad);
          expect(back.map((e) => e.label)).toEqual(labels);
          for (const e of back) expect(der(e.key)).toBe(der(ec));
        },
      ),
      { numRuns: 100 },
    );
  });
});
