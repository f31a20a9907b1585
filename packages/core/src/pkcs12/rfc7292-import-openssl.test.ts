import { createPublicKey } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { berContext, readRoot } from "../asn1/ber-reader.js";
import { isCoreError } from "../errors.js";
import { type Certificate, parseCertificate } from "../pki/certificate.js";
import { importPfx } from "./import-pfx.js";
import { readPfxStructure } from "./pfx-structure.js";
import { readSafeContents } from "./safe-bags.js";
import { makePki, opensslExport, type TestPki } from "./test-support/peers.js";
import { buildPlainPfx, plainBags, type RawBag } from "./test-support/rebuild.js";

/**
 * A PFX matrix generated at test time by OpenSSL 3.0 `pkcs12 -export`, each
 * imported with the right certificate chosen and the protection described.
 */
let pki: TestPki;
let leaf: Certificate;
let inter: Certificate;
let root: Certificate;
const LEGACY = ["-provider", "legacy", "-provider", "default"];

beforeAll(() => {
  pki = makePki();
  leaf = parseCertificate(pki.pem(pki.leaf));
  inter = parseCertificate(pki.pem(pki.intermediate));
  root = parseCertificate(pki.pem(pki.root));
});

function expectCode(fn: () => unknown, code: string): string {
  try {
    fn();
  } catch (error) {
    if (!isCoreError(error)) throw error;
    expect(error.code, error.message).toBe(code);
    return error.message;
  }
  throw new Error(`expected CoreError ${code}, got success`);
}

function expectLeafIdentity(result: ReturnType<typeof importPfx>, withChain: boolean) {
  expect(result.identity.certificate.sha256).toBe(leaf.sha256);
  const spki = createPublicKey(result.identity.privateKey).export({ type: "spki", format: "der" });
  expect(Buffer.compare(spki, Buffer.from(leaf.spki))).toBe(0);
  expect(result.identity.chain.map((c) => c.sha256)).toEqual(withChain ? [inter.sha256, root.sha256] : []);
}

const AES = (bits: number, iter = 2048) => `AES-${bits}-CBC (PBKDF2-HMAC-SHA256, ${iter} iterations)`;
const P12 = (cipher: string, name: string) => `${cipher} (${name}, 2048 iterations)`;

describe("importPfx ← openssl pkcs12 -export", () => {
  const matrix: Array<{
    name: string;
    args: string[];
    password?: string;
    encryption: string;
    mac: string;
    chain?: boolean;
  }> = [
    {
      name: "default (AES-256, SHA-256 MAC) with chain",
      args: [],
      encryption: AES(256),
      mac: "HMAC-SHA256 (2048 iterations)",
      chain: true,
    },
    {
      name: "default without chain",
      args: [],
      encryption: AES(256),
      mac: "HMAC-SHA256 (2048 iterations)",
      chain: false,
    },
    {
      name: "-legacy (3DES key, RC2-40 certificates, SHA-1 MAC)",
      args: ["-legacy"],
      encryption: `key: ${P12("3DES-CBC", "pbeWithSHAAnd3-KeyTripleDES-CBC")}; certificates: ${P12("RC2(40bit)", "pbewithSHAAnd40BitRC2-CBC")}`,
      mac: "HMAC-SHA1 (2048 iterations)",
      chain: true,
    },
    {
      name: "PBES1 3DES for key and certificates",
      args: ["-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES"],
      encryption: P12("3DES-CBC", "pbeWithSHAAnd3-KeyTripleDES-CBC"),
      mac: "HMAC-SHA256 (2048 iterations)",
    },
    {
      name: "PBES2 des-ede3-cbc (-keypbe DES-EDE3-CBC)",
      args: ["-keypbe", "DES-EDE3-CBC", "-certpbe", "DES-EDE3-CBC"],
      encryption: "3DES-CBC (PBKDF2-HMAC-SHA256, 2048 iterations)",
      mac: "HMAC-SHA256 (2048 iterations)",
    },
    {
      name: "2-key 3DES",
      args: ["-keypbe", "PBE-SHA1-2DES", "-certpbe", "PBE-SHA1-2DES"],
      encryption: P12("2-key 3DES-CBC", "pbeWithSHAAnd2-KeyTripleDES-CBC"),
      mac: "HMAC-SHA256 (2048 iterations)",
    },
    {
      name: "RC2-128 key, RC2-40 certificates",
      args: ["-keypbe", "PBE-SHA1-RC2-128", "-certpbe", "PBE-SHA1-RC2-40", ...LEGACY],
      encryption: `key: ${P12("RC2(128bit)", "pbeWithSHAAnd128BitRC2-CBC")}; certificates: ${P12("RC2(40bit)", "pbewithSHAAnd40BitRC2-CBC")}`,
      mac: "HMAC-SHA256 (2048 iterations)",
    },
    {
      name: "PBES2 RC2-CBC key, AES-128 and AES-192",
      args: ["-keypbe", "RC2-CBC", "-certpbe", "AES-192-CBC", ...LEGACY],
      encryption: `key: RC2(128bit) (PBKDF2-HMAC-SHA256, 2048 iterations); certificates: ${AES(192)}`,
      mac: "HMAC-SHA256 (2048 iterations)",
    },
    {
      name: "AES-128",
      args: ["-keypbe", "AES-128-CBC", "-certpbe", "AES-128-CBC"],
      encryption: AES(128),
      mac: "HMAC-SHA256 (2048 iterations)",
    },
    // OpenSSL 3.0 quirk: with -nomac it also leaves the certificates unencrypted.
    {
      name: "-nomac",
      args: ["-nomac"],
      encryption: `key: ${AES(256)}; certificates: none`,
      mac: "none",
      chain: true,
    },
    {
      name: "unencrypted bags, no MAC",
      args: ["-keypbe", "NONE", "-certpbe", "NONE", "-nomac"],
      encryption: "none",
      mac: "none",
      chain: true,
    },
    {
      name: "unencrypted bags with a MAC",
      args: ["-keypbe", "NONE", "-certpbe", "NONE"],
      encryption: "none",
      mac: "HMAC-SHA256 (2048 iterations)",
    },
    {
      name: "-macalg sha512",
      args: ["-macalg", "sha512"],
      encryption: AES(256),
      mac: "HMAC-SHA512 (2048 iterations)",
    },
    {
      name: "-macalg sha384",
      args: ["-macalg", "sha384"],
      encryption: AES(256),
      mac: "HMAC-SHA384 (2048 iterations)",
    },
    {
      name: "-macalg sha1",
      args: ["-macalg", "sha1"],
      encryption: AES(256),
      mac: "HMAC-SHA1 (2048 iterations)",
    },
    {
      name: "UTF-8 password, default",
      args: [],
      password: "pässwörd✓",
      encryption: AES(256),
      mac: "HMAC-SHA256 (2048 iterations)",
    },
    {
      name: "UTF-8 password, -legacy",
      args: ["-legacy"],
      password: "pässwörd✓",
      encryption: `key: ${P12("3DES-CBC", "pbeWithSHAAnd3-KeyTripleDES-CBC")}; certificates: ${P12("RC2(40bit)", "pbewithSHAAnd40BitRC2-CBC")}`,
      mac: "HMAC-SHA1 (2048 iterations)",
    },
    {
      name: "empty password, default",
      args: [],
      password: "",
      encryption: AES(256),
      mac: "HMAC-SHA256 (2048 iterations)",
      chain: true,
    },
    {
      name: "empty password, -legacy",
      args: ["-legacy"],
      password: "",
      encryption: `key: ${P12("3DES-CBC", "pbeWithSHAAnd3-KeyTripleDES-CBC")}; certificates: ${P12("RC2(40bit)", "pbewithSHAAnd40BitRC2-CBC")}`,
      mac: "HMAC-SHA1 (2048 iterations)",
    },
  ];

  it.each(matrix)("$name", ({ args, password = "s3cret", encryption, mac, chain = false }) => {
    const bytes = opensslExport(pki, password, [
      ...args,
      "-name",
      "Alice",
      ...(chain ? ["-certfile", pki.chain] : []),
    ]);
    const result = importPfx(bytes, password);
    expectLeafIdentity(result, chain);
    expect(result.encryption).toBe(encryption);
    expect(result.mac).toBe(mac);
    expect(result.friendlyName).toBe("Alice");
    if (mac === "none") expect(result.notes).toContain("the file has no integrity MAC");
    // Every file with password protection refuses a wrong password with the one clear code.
    if (encryption === "none" && mac === "none") expectLeafIdentity(importPfx(bytes, `${password}x`), chain);
    else expectCode(() => importPfx(bytes, `${password}x`), "wrong-password");
  });

  it("-iter 600000 (NSS-like work factor) imports, and a lower KDF cap refuses it with the numbers", () => {
    const bytes = opensslExport(pki, "s3cret", ["-iter", "600000"]);
    const started = performance.now();
    const result = importPfx(bytes, "s3cret");
    const ms = performance.now() - started;
    expectLeafIdentity(result, false);
    expect(result.encryption).toBe(AES(256, 600000));
    expect(result.mac).toBe("HMAC-SHA256 (600000 iterations)");
    expect(ms).toBeLessThan(10_000);
    const message = expectCode(
      () => importPfx(bytes, "s3cret", { maxKdfIterations: 1_000_000 }),
      "limit-exceeded",
    );
    expect(message).toContain("1,800,000");
    expect(message).toContain("1,000,000");
  });

  it("an EC P-256 key", () => {
    const bytes = opensslExport(pki, "s3cret", [], pki.ecLeafKey, pki.ecLeaf);
    const result = importPfx(bytes, "s3cret");
    expect(result.identity.certificate.sha256).toBe(parseCertificate(pki.pem(pki.ecLeaf)).sha256);
    expect(result.identity.privateKey.asymmetricKeyType).toBe("ec");
  });

  it("retries the pre-1.1 OpenSSL encoding (UTF-8 bytes as BMP characters) and NFD/NFC variants", () => {
    const typed = "pässwörd✓";
    // OpenSSL turns UTF-8 into BMP; feeding it the Latin-1 reading of the UTF-8 bytes gives the old broken form.
    const broken = Buffer.from(typed, "utf8").toString("latin1");
    const bytes = opensslExport(pki, broken, ["-legacy"]);
    const result = importPfx(bytes, typed);
    expectLeafIdentity(result, false);
    expect(result.notes.join(" ")).toContain("legacy-utf8-bytes");
    // A file made with the NFC form opens when the user types the NFD form, and vice versa.
    const nfc = opensslExport(pki, "é", []);
    expectLeafIdentity(importPfx(nfc, "e\u0301"), false);
    const nfd = opensslExport(pki, "e\u0301", []);
    expectLeafIdentity(importPfx(nfd, "é"), false);
  });

  it("names unsupported algorithms once the password is known good", () => {
    const rc4 = opensslExport(pki, "s3cret", [
      "-keypbe",
      "PBE-SHA1-RC4-128",
      "-certpbe",
      "AES-256-CBC",
      ...LEGACY,
    ]);
    expect(expectCode(() => importPfx(rc4, "s3cret"), "unsupported-algorithm")).toContain("RC4");
    const des = opensslExport(pki, "s3cret", [
      "-keypbe",
      "PBE-MD5-DES",
      "-certpbe",
      "PBE-MD5-DES",
      ...LEGACY,
    ]);
    expect(expectCode(() => importPfx(des, "s3cret"), "unsupported-algorithm")).toContain(
      "pbeWithMD5AndDES-CBC",
    );
    // …but a wrong password still comes first (the MAC fails, nothing decrypts).
    expectCode(() => importPfx(des, "wrong"), "wrong-password");
  });

  it("no-key, and missing-certificates (not key-certificate-mismatch) for a key without a certificate", () => {
    const certsOnly = opensslExport(pki, "s3cret", ["-nokeys"]);
    expectCode(() => importPfx(certsOnly, "s3cret"), "no-key");
    const keyOnly = opensslExport(pki, "s3cret", ["-nocerts"]);
    expect(expectCode(() => importPfx(keyOnly, "s3cret"), "missing-certificates")).toBe(
      "the file holds a private key but no certificate",
    );
  });
});

describe("importPfx: damaged files get the right code", () => {
  let good: Buffer;
  beforeAll(() => {
    good = opensslExport(pki, "s3cret", ["-certfile", pki.chain]);
  });

  /** Offset of `part` inside the file (ciphertexts are unique random bytes). */
  function offsetOf(part: Uint8Array): number {
    const at = good.indexOf(Buffer.from(part));
    expect(at).toBeGreaterThan(0);
    return at;
  }
  function flip(offset: number, mask = 0x80): Buffer {
    const copy = Buffer.from(good);
    copy[offset] = (copy[offset] as number) ^ mask;
    return copy;
  }
  function parts() {
    const pfx = readPfxStructure(good);
    const ctx = berContext();
    const certs = pfx.containers.find((c) => c.kind === "encrypted");
    const data = pfx.containers.find((c) => c.kind === "data");
    if (certs?.kind !== "encrypted" || data?.kind !== "data" || pfx.mac?.kind !== "classic")
      throw new Error("layout");
    const [keyBag] = readSafeContents(data.safeContents, readRoot(data.safeContents, ctx), ctx);
    if (keyBag?.kind !== "shrouded-key") throw new Error("layout");
    return { mac: pfx.mac.value, certCiphertext: certs.ciphertext, keyCiphertext: keyBag.epki.encryptedData };
  }

  it("a bit flipped in the MAC → integrity (the key still decrypts)", () => {
    const { mac } = parts();
    expectCode(() => importPfx(flip(offsetOf(mac) + 3, 0x01), "s3cret"), "integrity");
  });

  it("a bit flipped in the key bag ciphertext → wrong-password (MAC fails and the key does not decrypt)", () => {
    const { keyCiphertext } = parts();
    // The last byte of the next-to-last block XORs straight into the pad byte: a deterministic bad pad.
    expectCode(
      () => importPfx(flip(offsetOf(keyCiphertext) + keyCiphertext.length - 17), "s3cret"),
      "wrong-password",
    );
  });

  it("a bit flipped in the certificate ciphertext → integrity", () => {
    const { certCiphertext } = parts();
    expectCode(
      () => importPfx(flip(offsetOf(certCiphertext) + certCiphertext.length - 17), "s3cret"),
      "integrity",
    );
  });

  it("truncated, empty, not-a-PFX and wrong version → corrupt", () => {
    for (const cut of [1, 10, Math.floor(good.length / 2), good.length - 1]) {
      expectCode(() => importPfx(good.subarray(0, cut), "s3cret"), "corrupt");
    }
    expectCode(() => importPfx(new Uint8Array(0), "s3cret"), "corrupt");
    expectCode(() => importPfx(Buffer.from(pki.pem(pki.leaf)), "s3cret"), "corrupt");
    expectCode(() => importPfx(Buffer.from(leaf.der), "s3cret"), "corrupt");
    // PFX ::= SEQUENCE { version INTEGER (3) … }: byte 4 or 6 is the version, depending on the length form.
    const version = good.indexOf(Buffer.from([0x02, 0x01, 0x03]));
    expectCode(() => importPfx(flip(version + 2, 0x04), "s3cret"), "corrupt");
  });
});

describe("importPfx: pairing by public key, whatever the bag order", () => {
  let bags: RawBag[];
  let otherBags: RawBag[];
  beforeAll(() => {
    const plain = ["-keypbe", "NONE", "-certpbe", "NONE", "-nomac"];
    bags = plainBags(opensslExport(pki, "", [...plain, "-certfile", pki.chain]));
    otherBags = plainBags(opensslExport(pki, "", plain, pki.otherKey, pki.other));
  });
  const key = (list: RawBag[]) => list.filter((b) => b.kind === "key");
  const certs = (list: RawBag[]) => list.filter((b) => b.kind === "cert");

  it("OpenSSL writes the leaf first; reversed (leaf after the chain, key container first) still pairs", () => {
    expect(certs(bags)[0]?.certSha256).toBe(leaf.sha256);
    const reversed = buildPlainPfx([key(bags), [...certs(otherBags), ...certs(bags).reverse()]]);
    const result = importPfx(reversed, "");
    expect(result.identity.certificate.sha256).toBe(leaf.sha256);
    expect(result.identity.chain.map((c) => c.sha256)).toEqual([
      inter.sha256,
      root.sha256,
      parseCertificate(pki.pem(pki.other)).sha256,
    ]);
  });

  it("two keys and their certificates in crossed order", () => {
    const pfx = buildPlainPfx([
      [...key(bags), ...certs(otherBags)],
      [...key(otherBags), ...certs(bags)],
    ]);
    const result = importPfx(pfx, "");
    expect(result.identity.certificate.sha256).toBe(leaf.sha256);
    expect(result.others).toHaveLength(1);
    expect(result.others[0]?.certificate.sha256).toBe(parseCertificate(pki.pem(pki.other)).sha256);
  });

  it("nested safeContentsBag and indefinite-length BER", () => {
    expectLeafIdentity(importPfx(buildPlainPfx([bags], { nest: true }), ""), true);
    expectLeafIdentity(importPfx(buildPlainPfx([bags], { ber: true }), ""), true);
    expectLeafIdentity(importPfx(buildPlainPfx([bags], { ber: true, nest: true }), ""), true);
  });

  it("a key with only someone else's certificate → key-certificate-mismatch", () => {
    const pfx = buildPlainPfx([[...key(bags), ...certs(otherBags)]]);
    expect(expectCode(() => importPfx(pfx, ""), "key-certificate-mismatch")).toContain("matches none");
  });

  it("a renewed certificate for the same key: the one valid at `now` wins", () => {
    const result = importPfx(buildPlainPfx([bags]), "", { now: new Date(leaf.notAfter.getTime() + 1000) });
    // Only one certificate for this key: still chosen even when expired.
    expect(result.identity.certificate.sha256).toBe(leaf.sha256);
  });
});
