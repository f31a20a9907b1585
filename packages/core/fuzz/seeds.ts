import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OpensslPki } from "../src/cms/signed/test-support/openssl-pki.js";
import { pemBlocks } from "../src/pki/pem.js";
import { sampleMessage } from "../src/smime/test-support/messages.js";
import { detachedParts, wrapPkcs7, wrapSigned } from "../src/smime/test-support/mime-craft.js";
import { Gpgsm, Nss, openssl } from "../src/smime/test-support/peers.js";
import { must, run, SmimePki } from "../src/smime/test-support/pki.js";

/**
 * The seed corpus: real certificates, CRLs, CMS structures, S/MIME messages and PKCS#12
 * files made by openssl, gpgsm and NSS on this machine, written into one folder with a
 * manifest. Fuzz children and the differential test read it back; nothing here is committed
 * (keys and validity dates are fresh on every run).
 */
export type SeedKind = "certificate" | "crl" | "signed" | "enveloped" | "authEnveloped" | "message" | "pfx";

export interface Seed {
  id: string;
  kind: SeedKind;
  /** openssl, gpgsm or nss (or "openssl+gpgsm" when one made the CMS and we only wrapped it). */
  producer: string;
  file: string;
  /** Detached SignedData: the file holding the signed content. */
  content?: string;
}

export interface SeedManifest {
  dir: string;
  password: string;
  /** PEM files: the trust anchors and intermediates the verifying targets use. */
  trust: string[];
  intermediates: string[];
  /** Private key + certificate PEM pairs that may decrypt the enveloped seeds. */
  identities: Array<{ key: string; cert: string }>;
  seeds: Seed[];
}

const PW = "pw";

export function loadManifest(dir: string): SeedManifest {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as SeedManifest;
}

export function readSeed(manifest: SeedManifest, seed: Seed): { bytes: Buffer; content?: Buffer } {
  return {
    bytes: readFileSync(join(manifest.dir, seed.file)),
    ...(seed.content ? { content: readFileSync(join(manifest.dir, seed.content)) } : {}),
  };
}

const der = (pemPath: string): Buffer => {
  const [block] = pemBlocks(readFileSync(pemPath, "utf8"));
  if (!block) throw new Error(`no PEM block in ${pemPath}`);
  return Buffer.from(block);
};

/** Builds the corpus in `dir` (about 10–20 s on a slow core: key generation and three peers). */
export function buildSeeds(dir: string): SeedManifest {
  mkdirSync(dir, { recursive: true });
  const seeds: Seed[] = [];
  const add = (id: string, kind: SeedKind, producer: string, bytes: Uint8Array, content?: Uint8Array) => {
    const file = `${id}.bin`;
    writeFileSync(join(dir, file), bytes);
    const seed: Seed = { id, kind, producer, file };
    if (content) {
      seed.content = `${id}.content`;
      writeFileSync(join(dir, seed.content), content);
    }
    seeds.push(seed);
  };

  // Certificates and CRLs: a two-level CA made with `openssl ca`.
  const ca = new OpensslPki();
  const root = ca.root("Fuzz Root");
  const inter = ca.intermediate(root, "Fuzz Intermediate");
  const leaf = ca.leaf(inter, {
    cn: "Carol",
    emails: ["carol@example.test"],
    subjectEmail: "carol@example.test",
  });
  const ecLeaf = ca.leaf(inter, { cn: "Erin", emails: ["erin@example.test"], key: ca.key("p256") });
  const edLeaf = ca.leaf(inter, { cn: "Ed", emails: ["ed@example.test"], key: ca.key("ed25519") });
  const revoked = ca.leaf(inter, { cn: "Rex", emails: ["rex@example.test"], md: "sha384" });
  for (const [id, issued] of [
    ["cert-openssl-root", root],
    ["cert-openssl-intermediate", inter],
    ["cert-openssl-rsa-leaf", leaf],
    ["cert-openssl-p256-leaf", ecLeaf],
    ["cert-openssl-ed25519-leaf", edLeaf],
    ["cert-openssl-revoked-leaf", revoked],
  ] as const)
    add(id, "certificate", "openssl", der(issued.certPath));
  add("crl-openssl-intermediate", "crl", "openssl", der(ca.revoke(revoked).path));
  add("crl-openssl-root", "crl", "openssl", der(ca.crl(root).path));

  // Messages and CMS: an S/MIME root with an RSA and a P-256 party, driven through all three peers.
  const pki = new SmimePki("fuzz-seeds");
  const alice = pki.party("Alice");
  const bob = pki.party("Bob", { key: "p256" });
  add("cert-openssl-smime-root", "certificate", "openssl", der(pki.caCertPath));
  add("cert-openssl-alice", "certificate", "openssl", der(alice.certPath));

  const content = Buffer.from(
    "Content-Type: text/plain; charset=us-ascii\r\n\r\nThe quarterly figures are attached.\r\n",
  );
  const contentFile = pki.file("content.txt", content);
  const cms = (args: string[]) => {
    const out = `${contentFile}.${seeds.length}.der`;
    must("openssl", ["cms", ...args, "-in", contentFile, "-binary", "-outform", "DER", "-out", out]);
    return readFileSync(out);
  };
  const signer = ["-signer", alice.certPath, "-inkey", alice.keyPath];
  add("signed-openssl-detached", "signed", "openssl", cms(["-sign", ...signer]), content);
  add("signed-openssl-opaque", "signed", "openssl", cms(["-sign", "-nodetach", ...signer]));
  add("signed-openssl-stream-ber", "signed", "openssl", cms(["-sign", "-nodetach", "-stream", ...signer]));
  add(
    "signed-openssl-p256-noattr",
    "signed",
    "openssl",
    cms(["-sign", "-noattr", "-signer", bob.certPath, "-inkey", bob.keyPath]),
    content,
  );
  add(
    "enveloped-openssl-aes256",
    "enveloped",
    "openssl",
    cms(["-encrypt", "-aes256", "-recip", alice.certPath]),
  );
  add(
    "enveloped-openssl-oaep-kari",
    "enveloped",
    "openssl",
    cms([
      "-encrypt",
      "-aes128",
      "-recip",
      alice.certPath,
      "-keyopt",
      "rsa_padding_mode:oaep",
      "-recip",
      bob.certPath,
    ]),
  );
  add("enveloped-openssl-3des", "enveloped", "openssl", cms(["-encrypt", "-des3", "-recip", alice.certPath]));
  add(
    "authenveloped-openssl-gcm",
    "authEnveloped",
    "openssl",
    cms(["-encrypt", "-aes-256-gcm", "-recip", alice.certPath, "-recip", bob.certPath]),
  );

  const g = new Gpgsm(pki, [alice]);
  const nss = new Nss(pki, [alice], [bob]);
  try {
    add("signed-gpgsm-detached", "signed", "gpgsm", g.sign(content, alice, { detached: true }), content);
    add("signed-gpgsm-opaque", "signed", "gpgsm", g.sign(content, alice, { detached: false }));
    add("enveloped-gpgsm", "enveloped", "gpgsm", g.encrypt(content, [alice]));
    add("signed-nss-detached", "signed", "nss", nss.sign(content, alice, { detached: true }), content);
    add("signed-nss-opaque", "signed", "nss", nss.sign(content, alice, { detached: false }));
    add("enveloped-nss", "enveloped", "nss", nss.encrypt(content, [alice]));
    add("cert-nss-self-signed-ca", "certificate", "nss", nssSelfSigned(nss.dir));

    // PKCS#12 from each peer, all under the password "pw".
    add("pfx-openssl-legacy-3des", "pfx", "openssl", readFileSync(alice.p12Path));
    const modern = pki.file("modern.p12", "");
    must("openssl", [
      ...["pkcs12", "-export", "-in", alice.certPath, "-inkey", alice.keyPath, "-certfile", pki.caCertPath],
      ...["-out", modern, "-passout", `pass:${PW}`, "-name", "Alice"],
    ]);
    add("pfx-openssl-aes256", "pfx", "openssl", readFileSync(modern));
    const ecPfx = pki.file("ec.p12", "");
    must("openssl", [
      ...["pkcs12", "-export", "-in", bob.certPath, "-inkey", bob.keyPath, "-out", ecPfx],
      ...["-passout", `pass:${PW}`, "-iter", "1000", "-macalg", "sha512"],
    ]);
    add("pfx-openssl-p256", "pfx", "openssl", readFileSync(ecPfx));
    const gpgsmPfx = pki.file("gpgsm.p12", "");
    const exported = run(
      "gpgsm",
      [
        ...["--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "0", "--output", gpgsmPfx],
        ...["--export-secret-key-p12", alice.email],
      ],
      { input: `${PW}\n`, env: { ...process.env, GNUPGHOME: g.home } },
    );
    if (exported.ok) add("pfx-gpgsm", "pfx", "gpgsm", readFileSync(gpgsmPfx));
    const nssPfx = pki.file("nss.p12", "");
    // NSS's 600,000 default iterations would make each fuzz execution cost a second.
    must(
      "pk12util",
      ["-o", nssPfx, "-n", alice.name, "-d", `sql:${nss.dir}`, "-W", PW, ...nssLegacyCiphers],
      { env: { ...process.env, NSS_PBE_DEFAULT_ITERATION_COUNT: "2000" } },
    );
    add("pfx-nss-3des-rc2", "pfx", "nss", readFileSync(nssPfx));

    // Whole messages: openssl's own S/MIME output, and gpgsm / NSS CMS in the wrappers
    // Thunderbird and Outlook use.
    const raw = sampleMessage({ attachment: Buffer.alloc(600, 7) }).raw;
    const signedMime = openssl.sign(pki, raw, alice);
    add("message-openssl-multipart-signed", "message", "openssl", signedMime);
    add("message-openssl-opaque-signed", "message", "openssl", openssl.sign(pki, raw, alice, ["-nodetach"]));
    add(
      "message-openssl-encrypted",
      "message",
      "openssl",
      openssl.encrypt(pki, raw, [{ party: alice }, { party: bob }]),
    );
    add(
      "message-openssl-signed-then-encrypted",
      "message",
      "openssl",
      openssl.encrypt(pki, signedMime, [{ party: alice }], ["-aes-256-gcm"]),
    );
    const part = detachedParts(signedMime).signed;
    const headers = ["From: Alice <alice@example.test>", "To: bob@example.test", "Subject: figures"];
    add(
      "message-gpgsm-multipart-signed",
      "message",
      "openssl+gpgsm",
      wrapSigned({ headers, signed: part, signatureDer: g.sign(part, alice, { detached: true }) }),
    );
    add(
      "message-nss-multipart-signed",
      "message",
      "openssl+nss",
      wrapSigned({ headers, signed: part, signatureDer: nss.sign(part, alice, { detached: true }) }),
    );
    add(
      "message-nss-encrypted",
      "message",
      "nss",
      wrapPkcs7({
        headers,
        contentType: "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
        der: nss.encrypt(raw, [alice]),
      }),
    );
    add("message-plain-multipart", "message", "sealbox-test", raw);
  } finally {
    g.close();
    nss.close();
  }

  const manifest: SeedManifest = {
    dir,
    password: PW,
    trust: [
      copy(dir, "trust-fuzz-root.pem", root.certPath),
      copy(dir, "trust-smime-root.pem", pki.caCertPath),
    ],
    intermediates: [copy(dir, "intermediate.pem", inter.certPath)],
    identities: [
      { key: copy(dir, "alice.key", alice.keyPath), cert: copy(dir, "alice.pem", alice.certPath) },
      { key: copy(dir, "bob.key", bob.keyPath), cert: copy(dir, "bob.pem", bob.certPath) },
    ],
    seeds,
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  ca.cleanup();
  pki.cleanup();
  return manifest;
}

const nssLegacyCiphers = [
  "-c",
  "PKCS #12 V2 PBE With SHA-1 And 3KEY Triple DES-CBC",
  "-C",
  "PKCS #12 V2 PBE With SHA-1 And 40 Bit RC2 CBC",
  "-M",
  "SHA-1",
];

function copy(dir: string, name: string, from: string): string {
  writeFileSync(join(dir, name), readFileSync(from));
  return name;
}

/** An EC P-256 CA certificate made by NSS itself (`certutil -S -x`), answering its prompts on stdin. */
function nssSelfSigned(dir: string): Buffer {
  const db = `sql:${dir}`;
  const noise = join(dir, "noise");
  writeFileSync(noise, randomBytes(64));
  must(
    "certutil",
    [
      ...["-S", "-n", "nss-self", "-s", "CN=NSS Self Signed,O=Fuzz", "-x", "-t", "C,,", "-k", "ec"],
      ...["-q", "nistp256", "-d", db, "-z", noise, "-v", "12", "-2", "--keyUsage", "certSigning,crlSigning"],
    ],
    { input: "y\n0\ny\n" },
  );
  return must("certutil", ["-L", "-n", "nss-self", "-d", db, "-r"]);
}
