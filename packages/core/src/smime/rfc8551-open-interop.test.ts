import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CipherName } from "../algorithms.js";
import { openMessage } from "./open.js";
import { toCrlf, wrapPkcs7, wrapSigned } from "./test-support/mime-craft.js";
import { Gpgsm, Nss, openssl } from "./test-support/peers.js";
import { type Party, run, SmimePki } from "./test-support/pki.js";
import type { EncryptedLayer, SignedLayer } from "./types.js";

/**
 * Peers → Sealbox at the message level: S/MIME made by `openssl cms`
 * (its own MIME output, LF line endings as it writes them), and CMS made by gpgsm and NSS
 * cmsutil wrapped in the MIME a mail client sends (Kleopatra/Thunderbird style), is opened
 * with the right layers, algorithm names, signer statuses and exact inner bytes.
 */
let pki: SmimePki;
let alice: Party; // RSA, signs
let bob: Party; // RSA, reads
let carol: Party; // RSA, a second reader
let erin: Party; // EC P-256
let frank: Party; // EC P-384
let gpg: Gpgsm;
let nss: Nss;

/** What a client signs or encrypts: a MIME entity, written LF-only (openssl canonicalises). */
const ENTITY = [
  'Content-Type: multipart/alternative; boundary="alt-1"',
  "",
  "--alt-1",
  "Content-Type: text/plain; charset=utf-8",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "Gr=C3=BC=C3=9Fe, Bob.",
  "--alt-1",
  "Content-Type: text/html; charset=utf-8",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "<p>Gr=C3=BC=C3=9Fe, Bob.</p>",
  "--alt-1--",
  "",
].join("\n");
const entity = Buffer.from(ENTITY, "latin1");
/** The canonical form every signer hashes and every decrypter must hand back. */
const canonical = toCrlf(entity);
const HEADERS = [
  "-from",
  "Alice Example <alice@example.test>",
  "-to",
  "bob@example.test",
  "-subject",
  "Figures",
];
const OUTER = ["From: Alice Example <alice@example.test>", "To: bob@example.test", "Subject: Figures"];

beforeAll(() => {
  pki = new SmimePki("open-interop");
  alice = pki.party("Alice Example");
  bob = pki.party("Bob Example");
  carol = pki.party("Carol Example");
  erin = pki.party("Erin Curve", { key: "p256", emails: ["alice@example.test"] });
  frank = pki.party("Frank Curve", { key: "p384" });
  // One gpgsm home for the file: importing a key starts gpg-agent (~2.5 s per home on CI).
  gpg = new Gpgsm(pki, [alice, bob]);
  nss = new Nss(pki, [alice], [bob, carol]);
  // NSS also signs with an EC key: pk12util imports EC PKCS#12 (gpgsm 2.2 cannot).
  must(run("pk12util", ["-i", erin.p12Path, "-d", `sql:${nss.dir}`, "-W", "pw"]));
}, 120_000);

afterAll(() => {
  gpg?.close();
  nss?.close();
  pki?.cleanup();
});

function must(r: ReturnType<typeof run>): void {
  if (!r.ok) throw new Error(r.stderr);
}

function signedLayer(layer: unknown): SignedLayer {
  expect(layer).toMatchObject({ type: "signed" });
  return layer as SignedLayer;
}

const trusted = () => ({ trust: [pki.caCertificate] });

describe("openssl cms -sign → openMessage", () => {
  const cases: Array<{
    name: string;
    flags: string[];
    form: string;
    digest: string;
    weak?: boolean;
    signer?: () => Party;
  }> = [
    { name: "detached (default)", flags: [], form: "detached", digest: "SHA-256" },
    { name: "-nodetach", flags: ["-nodetach"], form: "opaque", digest: "SHA-256" },
    { name: "-md sha1", flags: ["-md", "sha1"], form: "detached", digest: "SHA-1", weak: true },
    { name: "-md sha384", flags: ["-md", "sha384"], form: "detached", digest: "SHA-384" },
    {
      name: "-md sha512 -nodetach",
      flags: ["-md", "sha512", "-nodetach"],
      form: "opaque",
      digest: "SHA-512",
    },
    { name: "RSA-PSS", flags: ["-keyopt", "rsa_padding_mode:pss"], form: "detached", digest: "SHA-256" },
    { name: "ECDSA P-256", flags: [], form: "detached", digest: "SHA-256", signer: () => erin },
    {
      name: "ECDSA P-384 -md sha384 -nodetach",
      flags: ["-md", "sha384", "-nodetach"],
      form: "opaque",
      digest: "SHA-384",
      signer: () => frank,
    },
    { name: "-stream (BER, detached)", flags: ["-stream"], form: "detached", digest: "SHA-256" },
    {
      name: "-stream -nodetach (BER, indefinite lengths)",
      flags: ["-stream", "-nodetach"],
      form: "opaque",
      digest: "SHA-256",
    },
    { name: "-noattr", flags: ["-noattr"], form: "detached", digest: "SHA-256" },
  ];

  it.each(cases)("$name", async ({ flags, form, digest, weak, signer }) => {
    const who = signer?.() ?? alice;
    const message = openssl.sign(pki, entity, who, [...HEADERS, ...flags]);
    // openssl writes its MIME with LF line endings (the stored-message case), canonical part 1 aside
    expect(message.subarray(0, 40).includes("\r\n")).toBe(false);
    const opened = await openMessage(message, {
      ...trusted(),
      from: who === frank ? frank.email : undefined,
    });
    expect(opened.layers).toHaveLength(1);
    const layer = signedLayer(opened.layers[0]);
    expect(layer).toMatchObject({ form, digest, content: "Multipart" });
    expect(layer.signers).toHaveLength(1);
    expect(layer.signers[0]).toMatchObject({ status: "valid", name: who.name, email: who.email, digest });
    expect(layer.signers[0]?.weakDigest).toBe(weak);
    expect(Buffer.from(opened.content).equals(canonical)).toBe(true);
  });

  it("two signers (RSA, ECDSA P-384; openssl's -md applies to both), each with its own verdict", async () => {
    const message = openssl.sign(pki, entity, alice, [
      ...HEADERS,
      ...["-signer", frank.certPath, "-inkey", frank.keyPath, "-md", "sha384"],
    ]);
    const layer = signedLayer((await openMessage(message, trusted())).layers[0]);
    const verdicts = layer.signers.map((s) => [s.name, s.digest, s.status]);
    expect(verdicts.sort()).toEqual([
      ["Alice Example", "SHA-384", "valid"],
      // frank's certificate has no address of the From header
      ["Frank Curve", "SHA-384", "address-mismatch"],
    ]);
    expect(layer.digests).toEqual(["SHA-384"]);
  });

  it("-md md5: weak-algorithm, never valid", async () => {
    const message = openssl.sign(pki, entity, alice, [...HEADERS, "-md", "md5"]);
    const layer = signedLayer((await openMessage(message, trusted())).layers[0]);
    expect(layer.signers[0]).toMatchObject({ status: "weak-algorithm", weakDigest: true, digest: "MD5" });
  });

  it("statuses come from the certificate and the context: untrusted, address-mismatch, expired, not-yet-valid", async () => {
    const message = openssl.sign(pki, entity, alice, HEADERS);
    const status = async (options: Parameters<typeof openMessage>[1]) =>
      signedLayer((await openMessage(message, options)).layers[0]).signers[0]?.status;
    expect(await status({})).toBe("untrusted");
    expect(await status({ ...trusted(), from: "mallory@example.test" })).toBe("address-mismatch");
    expect(await status({ ...trusted(), at: new Date(Date.now() + 90 * 86_400_000) })).toBe("expired");
    expect(await status({ ...trusted(), at: new Date(Date.now() - 3 * 86_400_000) })).toBe("not-yet-valid");
    expect(await status(trusted())).toBe("valid");
  });
});

describe("openssl cms -encrypt → openMessage", () => {
  const legacy = ["-provider", "legacy", "-provider", "default"];
  const ciphers: Array<[string, string[], CipherName]> = [
    ["-aes128", ["-aes128"], "AES-128-CBC"],
    ["-aes192", ["-aes192"], "AES-192-CBC"],
    ["-aes256", ["-aes256"], "AES-256-CBC"],
    ["-des3", ["-des3"], "3DES-CBC"],
    ["-rc2-40 (legacy provider)", ["-rc2-40", ...legacy], "RC2(40bit)"],
    ["-rc2-64 (legacy provider)", ["-rc2-64", ...legacy], "RC2(64bit)"],
    ["-rc2-128 (legacy provider)", ["-rc2-128", ...legacy], "RC2(128bit)"],
    ["-aes-128-gcm", ["-aes-128-gcm"], "AES-128-GCM"],
    ["-aes-192-gcm", ["-aes-192-gcm"], "AES-192-GCM"],
    ["-aes-256-gcm", ["-aes-256-gcm"], "AES-256-GCM"],
  ];

  it.each(ciphers)("%s, RSA PKCS#1 v1.5, two recipients", async (_name, flags, cipher) => {
    const message = openssl.encrypt(pki, entity, [{ party: bob }, { party: carol }], [...HEADERS, ...flags]);
    for (const reader of [bob, carol]) {
      const opened = await openMessage(message, { identities: [reader.identity] });
      expect(opened.layers).toEqual([
        {
          type: "encrypted",
          kind: cipher.endsWith("GCM") ? "authEnveloped" : "enveloped",
          cipher,
          keyManagement: ["RSA"],
          recipients: 2,
          decrypted: true,
        } satisfies EncryptedLayer,
      ]);
      expect(Buffer.from(opened.content).equals(canonical)).toBe(true);
    }
  });

  const keyTransport: Array<[string, Array<{ party: () => Party; keyopts?: string[] }>, string[]]> = [
    [
      "RSA-OAEP (openssl defaults: SHA-1)",
      [{ party: () => bob, keyopts: ["rsa_padding_mode:oaep"] }],
      ["RSA-OAEP"],
    ],
    [
      "RSA-OAEP SHA-256",
      [{ party: () => bob, keyopts: ["rsa_padding_mode:oaep", "rsa_oaep_md:sha256", "rsa_mgf1_md:sha256"] }],
      ["RSA-OAEP"],
    ],
    [
      "RSA-OAEP SHA-512",
      [{ party: () => bob, keyopts: ["rsa_padding_mode:oaep", "rsa_oaep_md:sha512"] }],
      ["RSA-OAEP"],
    ],
    ["ECDH P-256 (openssl default KDF)", [{ party: () => erin }], ["ECDH"]],
    ["ECDH P-384, SHA-384 KDF", [{ party: () => frank, keyopts: ["ecdh_kdf_md:sha384"] }], ["ECDH"]],
    ["ECDH P-256, SHA-512 KDF", [{ party: () => erin, keyopts: ["ecdh_kdf_md:sha512"] }], ["ECDH"]],
    ["ECDH P-256, SHA-1 KDF", [{ party: () => erin, keyopts: ["ecdh_kdf_md:sha1"] }], ["ECDH"]],
    [
      "RSA v1.5 + RSA-OAEP + ECDH recipients in one message",
      [
        { party: () => carol },
        { party: () => bob, keyopts: ["rsa_padding_mode:oaep"] },
        { party: () => erin },
      ],
      ["RSA", "RSA-OAEP", "ECDH"],
    ],
  ];

  it.each(keyTransport)("%s", async (_name, recipients, keyManagement) => {
    const message = openssl.encrypt(
      pki,
      entity,
      recipients.map((r) => ({ party: r.party(), keyopts: r.keyopts })),
      [...HEADERS, "-aes256"],
    );
    for (const r of recipients) {
      const opened = await openMessage(message, { identities: [r.party().identity] });
      const layer = opened.layers[0] as EncryptedLayer;
      expect(layer).toMatchObject({ cipher: "AES-256-CBC", recipients: recipients.length });
      // openssl writes the RecipientInfos SET OF in DER order, not argument order
      expect([...layer.keyManagement].sort()).toEqual([...keyManagement].sort());
      expect(Buffer.from(opened.content).equals(canonical)).toBe(true);
    }
  });

  it("-keyid: recipients named by subjectKeyIdentifier (RSA and EC)", async () => {
    const message = openssl.encrypt(pki, entity, [{ party: bob }, { party: erin }], [...HEADERS, "-keyid"]);
    for (const reader of [bob, erin]) {
      const opened = await openMessage(message, { identities: [reader.identity] });
      expect(Buffer.from(opened.content).equals(canonical)).toBe(true);
    }
  });

  it("the key of someone else: not-a-recipient; no key at all: not-a-recipient", async () => {
    const message = openssl.encrypt(pki, entity, [{ party: bob }], HEADERS);
    await expect(openMessage(message, { identities: [carol.identity] })).rejects.toMatchObject({
      code: "not-a-recipient",
    });
    await expect(openMessage(message)).rejects.toMatchObject({ code: "not-a-recipient" });
  });
});

describe("openssl: sign, then encrypt the signed message → openMessage", () => {
  it.each([
    ["detached", [] as string[]],
    ["opaque", ["-nodetach"]],
  ])("%s signature inside AES-256-CBC", async (form, signFlags) => {
    const signed = openssl.sign(pki, entity, alice, [...HEADERS, ...signFlags]);
    const message = openssl.encrypt(pki, signed, [{ party: bob }, { party: alice }], [...HEADERS, "-aes256"]);
    const opened = await openMessage(message, { identities: [bob.identity], ...trusted() });
    expect(opened.layers.map((l) => l.type)).toEqual(["encrypted", "signed"]);
    expect(opened.layers[0]).toMatchObject({ cipher: "AES-256-CBC", recipients: 2, keyManagement: ["RSA"] });
    expect(opened.layers[1]).toMatchObject({ form, digest: "SHA-256", signers: [{ status: "valid" }] });
    expect(Buffer.from(opened.content).equals(canonical)).toBe(true);
  });
});

describe("gpgsm output in the MIME a mail client wraps around it → openMessage", () => {
  it.each(["SHA256", "SHA1", "SHA384", "SHA512"])(
    "--detach-sign --digest-algo %s in multipart/signed",
    async (algo) => {
      const der = gpg.sign(canonical, alice, { detached: true, digest: algo });
      const digest = algo.replace(/^SHA/, "SHA-");
      const micalg = digest.toLowerCase();
      const message = wrapSigned({ headers: OUTER, signed: canonical, signatureDer: der, micalg });
      const layer = signedLayer((await openMessage(message, trusted())).layers[0]);
      expect(layer).toMatchObject({ form: "detached", digest, content: "Multipart" });
      expect(layer.signers[0]).toMatchObject({ status: "valid", email: alice.email });
      expect(layer.signers[0]?.weakDigest).toBe(algo === "SHA1" ? true : undefined);
    },
  );

  it("--digest-algo MD5: gpgsm writes SHA-1 instead (it cannot write MD5); we say SHA-1, weakDigest, valid", async () => {
    const der = gpg.sign(canonical, alice, { detached: true, digest: "MD5" });
    const message = wrapSigned({ headers: OUTER, signed: canonical, signatureDer: der, micalg: "md5" });
    const layer = signedLayer((await openMessage(message, trusted())).layers[0]);
    expect(layer.signers[0]).toMatchObject({ digest: "SHA-1", weakDigest: true, status: "valid" });
  });

  it("two signers (-u alice -u bob): two verdicts; bob's address is not the From address", async () => {
    const der = gpg.sign(canonical, [alice, bob], { detached: true });
    const message = wrapSigned({ headers: OUTER, signed: canonical, signatureDer: der });
    const layer = signedLayer((await openMessage(message, trusted())).layers[0]);
    expect(layer.signers.map((s) => [s.name, s.status]).sort()).toEqual([
      ["Alice Example", "valid"],
      ["Bob Example", "address-mismatch"],
    ]);
  });

  it("--sign (opaque) as application/pkcs7-mime; smime-type=signed-data", async () => {
    const der = gpg.sign(canonical, alice, { detached: false });
    const message = wrapPkcs7({
      headers: OUTER,
      contentType: 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"',
      der,
    });
    const opened = await openMessage(message, trusted());
    expect(signedLayer(opened.layers[0])).toMatchObject({ form: "opaque", signers: [{ status: "valid" }] });
    expect(Buffer.from(opened.content).equals(canonical)).toBe(true);
  });

  it.each([
    [undefined, "AES-128-CBC"],
    ["AES256", "AES-256-CBC"],
    ["AES192", "AES-192-CBC"],
    ["3DES", "3DES-CBC"],
  ] as const)(
    "--encrypt --cipher-algo %s as application/pkcs7-mime; smime-type=enveloped-data",
    async (algo, cipher) => {
      const der = gpg.encrypt(canonical, [bob, alice], algo);
      const message = wrapPkcs7({
        headers: OUTER,
        contentType: 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
        der,
      });
      const opened = await openMessage(message, { identities: [bob.identity] });
      expect(opened.layers[0]).toMatchObject({ cipher, keyManagement: ["RSA"], recipients: 2 });
      expect(Buffer.from(opened.content).equals(canonical)).toBe(true);
    },
  );

  it("--cipher-algo SEED (gpgsm writes it; Sealbox does not read it): unsupported-algorithm naming the OID", async () => {
    const der = gpg.encrypt(canonical, [bob], "SEED");
    const message = wrapPkcs7({
      headers: OUTER,
      contentType: "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
      der,
    });
    await expect(openMessage(message, { identities: [bob.identity] })).rejects.toMatchObject({
      code: "unsupported-algorithm",
      message: expect.stringContaining("1.2.410.200004.1.4"),
    });
  });

  it("signed with --detach-sign, then the whole signed message encrypted with --encrypt", async () => {
    const signedMessage = wrapSigned({
      headers: OUTER,
      signed: canonical,
      signatureDer: gpg.sign(canonical, alice, { detached: true }),
    });
    const message = wrapPkcs7({
      headers: OUTER,
      contentType: "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
      der: gpg.encrypt(signedMessage, [bob, alice], "AES256"),
    });
    const opened = await openMessage(message, { identities: [bob.identity], ...trusted() });
    expect(opened.layers.map((l) => l.type)).toEqual(["encrypted", "signed"]);
    expect(opened.layers[1]).toMatchObject({ signers: [{ status: "valid", email: alice.email }] });
    expect(Buffer.from(opened.content).equals(canonical)).toBe(true);
  });
});

describe("NSS cmsutil output in the MIME Thunderbird sends → openMessage", () => {
  it.each([
    ["SHA256", true],
    ["SHA1", true],
    ["SHA384", false],
    ["SHA512", true],
  ] as const)("-S -H %s, detached=%s", async (hash, detached) => {
    const der = nss.sign(canonical, alice, { detached, hash });
    const digest = hash.replace(/^SHA/, "SHA-");
    const message = detached
      ? wrapSigned({ headers: OUTER, signed: canonical, signatureDer: der, micalg: digest.toLowerCase() })
      : wrapPkcs7({
          headers: OUTER,
          contentType: 'Content-Type: application/pkcs7-mime; name="smime.p7m"; smime-type=signed-data',
          der,
        });
    const opened = await openMessage(message, trusted());
    expect(signedLayer(opened.layers[0])).toMatchObject({
      form: detached ? "detached" : "opaque",
      digest,
      signers: [{ status: "valid", email: alice.email }],
    });
    expect(Buffer.from(opened.content).equals(canonical)).toBe(true);
  });

  it("-S -H MD5 is refused by NSS itself (peer cannot write MD5)", () => {
    expect(() => nss.sign(canonical, alice, { detached: true, hash: "MD5" })).toThrow(
      /SIGNATURE_ALGORITHM_DISABLED/,
    );
  });

  it("-S with an ECDSA P-256 key", async () => {
    const der = nss.sign(canonical, erin, { detached: true });
    const message = wrapSigned({ headers: OUTER, signed: canonical, signatureDer: der });
    const layer = signedLayer((await openMessage(message, trusted())).layers[0]);
    expect(layer.signers[0]).toMatchObject({ status: "valid", name: erin.name });
  });

  it("-S -T, then the whole signed message -E: two layers, as Thunderbird sends sign+encrypt", async () => {
    const signedEntity = wrapSigned({
      signed: canonical,
      signatureDer: nss.sign(canonical, alice, { detached: true }),
    });
    const bare = signedEntity.subarray(signedEntity.indexOf("Content-Type:"));
    const message = wrapPkcs7({
      headers: OUTER,
      contentType: 'Content-Type: application/pkcs7-mime; name="smime.p7m"; smime-type=enveloped-data',
      der: nss.encrypt(bare, [bob, carol]),
    });
    const opened = await openMessage(message, { identities: [carol.identity], ...trusted() });
    expect(opened.layers.map((l) => l.type)).toEqual(["encrypted", "signed"]);
    expect(opened.layers[1]).toMatchObject({ signers: [{ status: "valid", email: alice.email }] });
    expect(Buffer.from(opened.content).equals(canonical)).toBe(true);
  });

  it("-E (NSS chooses the cipher) as Thunderbird labels it", async () => {
    const der = nss.encrypt(canonical, [bob, carol]);
    const message = wrapPkcs7({
      headers: OUTER,
      contentType: 'Content-Type: application/pkcs7-mime; name="smime.p7m"; smime-type=enveloped-data',
      der,
    });
    const opened = await openMessage(message, { identities: [bob.identity] });
    expect(opened.layers[0]).toMatchObject({ type: "encrypted", keyManagement: ["RSA"], recipients: 2 });
    expect((opened.layers[0] as EncryptedLayer).cipher).toMatch(/^AES-/);
    expect(Buffer.from(opened.content).equals(canonical)).toBe(true);
  });
});
