import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openMessage } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `sealbox smime open|protect` as scripts use it: the BUILT CLI through
 * ./bin/sealbox (run `pnpm run build` first), a PKI and PFX files made by the real openssl,
 * and openssl as the oracle for --out bytes and for what protect writes.
 */
const bin = resolve(import.meta.dirname, "../../../../bin/sealbox");
const built = resolve(import.meta.dirname, "../../dist/main.js");
let dir: string;
let home: string;

interface Party {
  name: string;
  email: string;
  key: string;
  cert: string;
  p12: string;
}
let alice: Party; // RSA, password "alice pw"
let bob: Party; // RSA, password "bob pw"
let carol: Party; // RSA, empty password
let erin: Party; // EC P-256, password "erin pw"
let dave: Party; // RSA, issued by an intermediate CA the messages do not carry
let caPem: string;
let intermediatePem: string;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(bin, args, {
      cwd: dir,
      env: { ...process.env, SEALBOX_HOME: home, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", fail);
    child.on("close", (code) =>
      done({
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        ms: performance.now() - started,
      }),
    );
  });
}

function openssl(args: string[], input?: Buffer): Buffer {
  const r = spawnSync("openssl", args, { cwd: dir, input, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function tryOpenssl(args: string[]): { ok: boolean; stderr: string } {
  const r = spawnSync("openssl", args, { cwd: dir });
  return { ok: r.status === 0, stderr: r.stderr.toString() };
}

const path = (name: string) => join(dir, name);
let counter = 0;
function file(name: string, bytes: Uint8Array | string): string {
  const p = path(`${++counter}-${name}`);
  writeFileSync(p, bytes);
  return p;
}

function issue(
  name: string,
  options: { ec?: boolean; password: string; ca?: [string, string]; emails?: string[] },
): Party {
  const base = name.split(" ")[0]?.toLowerCase() as string;
  const email = options.emails?.[0] ?? `${base}@example.test`;
  const key = path(`${base}.key`);
  openssl(
    options.ec
      ? ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]
      : ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key],
  );
  const usage = options.ec ? "digitalSignature,keyAgreement" : "digitalSignature,keyEncipherment";
  const san = (options.emails ?? [email]).map((e) => `email:${e}`).join(",");
  writeFileSync(
    path(`${base}.ext`),
    `[e]\nbasicConstraints=CA:FALSE\nkeyUsage=${usage}\nextendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nsubjectAltName=${san}\n`,
  );
  openssl(["req", "-new", "-key", key, "-subj", `/CN=${name}`, "-out", path(`${base}.csr`)]);
  const [caCert, caKey] = options.ca ?? [path("ca.pem"), path("ca.key")];
  const cert = path(`${base}.pem`);
  openssl([
    ...["x509", "-req", "-in", path(`${base}.csr`), "-CA", caCert, "-CAkey", caKey, "-CAcreateserial"],
    ...["-days", "30", "-extfile", path(`${base}.ext`), "-extensions", "e", "-out", cert],
  ]);
  const p12 = path(`${base}.p12`);
  openssl([
    ...["pkcs12", "-export", "-in", cert, "-inkey", key, "-certfile", caCert, "-name", name],
    ...["-out", p12, "-passout", `pass:${options.password}`],
  ]);
  return { name, email, key, cert, p12 };
}

const PW = { A: "alice pw", B: "bob pw", C: "", E: "erin pw" };
const pfx = (p: Party, variable: string) => ["--pfx", p.p12, "--password-env", variable];
const MESSAGE = [
  "From: Alice Example <alice@example.test>",
  "To: Bob Example <bob@example.test>",
  "Subject: Figures",
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=utf-8",
  "Content-Transfer-Encoding: 8bit",
  "",
  "Hello Bob,",
  "Grüße — the figures are fine.",
  "",
].join("\n");
let plain: string;

beforeAll(async () => {
  if (!existsSync(built)) throw new Error(`the CLI is not built (${built}): run \`pnpm run build\` first`);
  dir = mkdtempSync(join(tmpdir(), "sealbox-cli-smime-"));
  home = join(dir, "home");
  mkdirSync(home);
  writeFileSync(
    path("ca.cnf"),
    "[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=CLI S/MIME Root\n[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n",
  );
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      path("ca.key"),
      "-out",
      path("ca.pem"),
    ].concat(["-days", "3650", "-config", path("ca.cnf"), "-extensions", "ca"]),
  );
  caPem = path("ca.pem");
  openssl([
    "req",
    "-new",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    path("int.key"),
    "-subj",
    "/CN=CLI Intermediate",
    "-out",
    path("int.csr"),
  ]);
  writeFileSync(
    path("int.ext"),
    "[e]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
  );
  intermediatePem = path("int.pem");
  openssl([
    ...["x509", "-req", "-in", path("int.csr"), "-CA", caPem, "-CAkey", path("ca.key"), "-CAcreateserial"],
    ...["-days", "365", "-extfile", path("int.ext"), "-extensions", "e", "-out", intermediatePem],
  ]);
  alice = issue("Alice Example", { password: PW.A });
  bob = issue("Bob Example", { password: PW.B });
  carol = issue("Carol Example", { password: PW.C });
  erin = issue("Erin Curve", { ec: true, password: PW.E });
  dave = issue("Dave Example", { password: "d", ca: [intermediatePem, path("int.key")] });
  plain = file("plain.eml", MESSAGE);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `sealbox smime protect`, which must succeed; returns the output path. */
async function protect(args: string[], env: Record<string, string> = {}, input = plain): Promise<string> {
  const out = path(`${++counter}-protected.eml`);
  const r = await cli(["smime", "protect", input, ...args, "--out", out, "--json"], env);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ ok: true, out, size: readFileSync(out).length });
  return out;
}

async function openJson(message: string, args: string[], env: Record<string, string> = {}) {
  const r = await cli(["smime", "open", message, ...args, "--json"], env);
  const lines = r.stdout.split("\n");
  expect(lines).toHaveLength(2); // one object, one line
  expect(lines[1]).toBe("");
  return { ...r, json: JSON.parse(lines[0] as string) };
}

describe("open --json: the public JSON contract", () => {
  it("signed + encrypted: exactly the documented shape, exit 0, nothing on stderr", async () => {
    const message = await protect(
      ["--sign", ...pfx(alice, "A"), "--encrypt", "--to", bob.cert, "--to", alice.cert],
      { A: PW.A },
    );
    const r = await openJson(message, [...pfx(bob, "B"), "--trust", caPem], { B: PW.B });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.json).toMatchObject({
      ok: true,
      layers: [
        { type: "encrypted", cipher: "AES-256-CBC", keyManagement: ["RSA"], recipients: 2, decrypted: true },
        {
          type: "signed",
          form: "detached",
          digest: "SHA-256",
          content: "Text",
          signers: [{ name: "Alice Example", email: "alice@example.test", status: "valid" }],
        },
      ],
    });
    // the documented fields are there with their documented types; anything else is an addition
    expect(Object.keys(r.json)).toEqual(["ok", "layers"]);
    const [enc, sig] = r.json.layers;
    for (const k of ["type", "cipher", "keyManagement", "recipients", "decrypted"])
      expect(enc).toHaveProperty(k);
    for (const k of ["type", "form", "digest", "content", "signers"]) expect(sig).toHaveProperty(k);
    for (const k of ["name", "email", "status"]) expect(sig.signers[0]).toHaveProperty(k);
    expect(typeof sig.signers[0].reason).toBe("string");
  });

  it("without --json: a human banner (Signed Data (Text SHA-256)), exit 0", async () => {
    const message = await protect(["--sign", ...pfx(alice, "A")], { A: PW.A });
    const r = await cli(["smime", "open", message, "--trust", caPem]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Signed Data (Text SHA-256), detached");
    expect(r.stdout).toContain("valid: Alice Example <alice@example.test>");
  });
});

describe("every signature verdict is ok:true (exit 0)", () => {
  let signed: string;
  beforeAll(async () => {
    signed = await protect(["--sign", ...pfx(alice, "A")], { A: PW.A });
  });
  const day = 86_400_000;

  it.each([
    ["valid", () => ["--trust", caPem]],
    ["valid", () => ["--trust", caPem, "--at", new Date(Date.now() + 10 * day).toISOString()]],
    ["untrusted", () => []],
    ["address-mismatch", () => ["--trust", caPem, "--from", "bob@example.test"]],
    ["expired", () => ["--trust", caPem, "--at", new Date(Date.now() + 60 * day).toISOString()]],
    ["not-yet-valid", () => ["--trust", caPem, "--at", new Date(Date.now() - 5 * day).toISOString()]],
  ])("%s", async (status, args) => {
    const r = await openJson(signed, args());
    expect(r.code).toBe(0);
    expect(r.json.ok).toBe(true);
    expect(r.json.layers[0].signers[0].status).toBe(status);
  });

  it("bad-signature (one byte of the body changed) is still ok:true", async () => {
    const text = readFileSync(signed, "latin1").replace("figures are fine", "figures are FINE");
    const r = await openJson(file("tampered.eml", Buffer.from(text, "latin1")), ["--trust", caPem]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({
      ok: true,
      layers: [{ type: "signed", signers: [{ status: "bad-signature" }] }],
    });
  });

  it("weak-algorithm (an MD5 signature by openssl) with weakDigest, ok:true", async () => {
    const out = file("md5.eml", "");
    openssl([
      "cms",
      "-sign",
      "-in",
      plain,
      "-signer",
      alice.cert,
      "-inkey",
      alice.key,
      "-md",
      "md5",
      "-out",
      out,
    ]);
    const r = await openJson(out, ["--trust", caPem, "--from", alice.email]);
    expect(r.json).toMatchObject({
      ok: true,
      layers: [{ digest: "MD5", signers: [{ status: "weak-algorithm", weakDigest: true }] }],
    });
  });

  it("--cert supplies the intermediate the message lacks: untrusted without it, valid with it", async () => {
    const out = file("dave.eml", "");
    openssl([
      "cms",
      "-sign",
      "-in",
      plain,
      "-signer",
      dave.cert,
      "-inkey",
      dave.key,
      "-from",
      dave.email,
      "-out",
      out,
    ]);
    expect((await openJson(out, ["--trust", caPem])).json.layers[0].signers[0].status).toBe("untrusted");
    const r = await openJson(out, ["--trust", caPem, "--cert", intermediatePem]);
    expect(r.json.layers[0].signers[0]).toMatchObject({ status: "valid", name: "Dave Example" });
  });
});

describe("ok:false and exit 1 only when the message cannot be opened; --out then writes nothing", () => {
  async function refused(message: string, args: string[], env: Record<string, string>, code: string) {
    const outDir = mkdtempSync(join(dir, "refused-"));
    const out = join(outDir, "inner.eml");
    const r = await openJson(message, [...args, "--out", out], env);
    expect(r.code).toBe(1);
    expect(Object.keys(r.json)).toEqual(["ok", "error"]);
    expect(r.json.ok).toBe(false);
    expect(r.json.error.code).toBe(code);
    expect(typeof r.json.error.message).toBe("string");
    expect(r.json.error.message.length).toBeGreaterThan(5);
    expect(readdirSync(outDir)).toEqual([]); // not the file, not a temp file
    return r.json.error.message as string;
  }
  let encrypted: string;
  beforeAll(async () => {
    encrypted = await protect(["--encrypt", "--to", bob.cert]);
  });

  it("not-a-recipient: someone else's key, or no key at all", async () => {
    await refused(encrypted, pfx(alice, "A"), { A: PW.A }, "not-a-recipient");
    await refused(encrypted, [], {}, "not-a-recipient");
  });

  it("wrong-password: the PFX does not open with the password given", async () => {
    const message = await refused(encrypted, pfx(bob, "B"), { B: "not bob's" }, "wrong-password");
    expect(message).toContain(bob.p12);
    expect(message).not.toContain("not bob's"); // a secret never shows
  });

  it("malformed: garbage, bad base64, a certificate where CMS belongs", async () => {
    await refused(file("garbage.eml", "Content-Type: application/pkcs7-mime\n\nAAAA\n"), [], {}, "malformed");
    const text = readFileSync(encrypted, "latin1");
    await refused(
      file("b64.eml", text.replace(/\r\n\r\n(.)/, "\r\n\r\n!")),
      pfx(bob, "B"),
      { B: PW.B },
      "malformed",
    );
    const cert = readFileSync(bob.cert, "latin1").replace(/-----[A-Z ]+-----/g, "");
    await refused(
      file(
        "cert.eml",
        `Content-Type: application/pkcs7-mime; smime-type=signed-data\nContent-Transfer-Encoding: base64\n\n${cert}`,
      ),
      [],
      {},
      "malformed",
    );
  });

  it("unsupported-algorithm: a CMS content type S/MIME does not carry (id-data)", async () => {
    // ContentInfo { id-data, [0] OCTET STRING "hi" }
    const fixed = Buffer.from("30110609 2a864886f70d010701 a004 0402 6869".replace(/ /g, ""), "hex");
    const message = file(
      "data.eml",
      `Content-Type: application/pkcs7-mime\nContent-Transfer-Encoding: base64\n\n${fixed.toString("base64")}\n`,
    );
    await refused(message, [], {}, "unsupported-algorithm");
  });

  it("decryption-failed: a GCM tag that does not verify", async () => {
    const gcm = await protect(["--encrypt", "--to", bob.cert, "--cipher", "AES-256-GCM"]);
    const text = readFileSync(gcm, "latin1");
    const body = text.slice(text.indexOf("\r\n\r\n") + 4).replace(/\r\n/g, "");
    const der = Buffer.from(body, "base64");
    der[der.length - 1] = (der[der.length - 1] as number) ^ 1; // the mac is the last element
    const lines = der
      .toString("base64")
      .match(/.{1,76}/g)
      ?.join("\r\n");
    await refused(
      file("tag.eml", `${text.slice(0, text.indexOf("\r\n\r\n") + 4)}${lines}\r\n`),
      pfx(bob, "B"),
      { B: PW.B },
      "decryption-failed",
    );
  });

  it("limit-exceeded: a message encrypted 10 times (the default limit is 8 layers)", async () => {
    let message = plain;
    for (let i = 0; i < 10; i++) message = await protect(["--encrypt", "--to", bob.cert], {}, message);
    await refused(message, pfx(bob, "B"), { B: PW.B }, "limit-exceeded");
  });
});

describe("usage errors exit 2", () => {
  it.each([
    [
      "an unset --password-env variable",
      () => ["smime", "open", plain, ...pfx(bob, "UNSET_SEALBOX_VAR")],
      /UNSET_SEALBOX_VAR is not set/,
    ],
    [
      "--pfx without --password-env",
      () => ["smime", "open", plain, "--pfx", bob.p12],
      /needs a --password-env/,
    ],
    [
      "--password-env without --pfx",
      () => ["smime", "open", plain, "--password-env", "B"],
      /must follow a --pfx/,
    ],
    ["an unknown flag", () => ["smime", "open", plain, "--verbose"], /unknown flag --verbose/],
    ["a bad --at", () => ["smime", "open", plain, "--at", "yesterday-ish"], /--at must be an ISO-8601/],
    ["no message file", () => ["smime", "open", "--json"], /expected one message file/],
    [
      "protect without --out",
      () => ["smime", "protect", plain, "--encrypt", "--to", bob.cert],
      /--out is required/,
    ],
    [
      "protect --sign without a key",
      () => ["smime", "protect", plain, "--sign", "--out", path("x.eml")],
      /--sign needs exactly one --pfx/,
    ],
    [
      "protect --encrypt without --to",
      () => ["smime", "protect", plain, "--encrypt", "--out", path("x.eml")],
      /--encrypt needs at least one --to/,
    ],
    [
      "protect with an unknown cipher",
      () => [
        "smime",
        "protect",
        plain,
        "--encrypt",
        "--to",
        bob.cert,
        "--cipher",
        "RC4",
        "--out",
        path("x.eml"),
      ],
      /unknown cipher "RC4"/,
    ],
    [
      "protect asking for RC2 (read-only legacy)",
      () => [
        "smime",
        "protect",
        plain,
        "--encrypt",
        "--to",
        bob.cert,
        "--cipher",
        "RC2(40bit)",
        "--out",
        path("x.eml"),
      ],
      /RC2\(40bit\) is read-only legacy/,
    ],
  ])("%s", async (_name, args, message) => {
    const r = await cli(args(), { B: PW.B });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain("usage: sealbox smime");
  });

  it("a set-but-empty variable is the empty password: an empty-password PFX opens", async () => {
    const message = await protect(["--encrypt", "--to", carol.cert]);
    const r = await openJson(message, pfx(carol, "C"), { C: "" });
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.layers[0]).toMatchObject({ type: "encrypted", decrypted: true });
  });
});

describe("--out semantics", () => {
  it("detached signature: exactly the bytes it covers, canonical CRLF, also from an LF-only stored copy", async () => {
    const message = await protect(["--sign", ...pfx(alice, "A")], { A: PW.A });
    const oracle = file("oracle", "");
    openssl(["cms", "-verify", "-in", message, "-CAfile", caPem, "-out", oracle]);
    const lf = file("lf.eml", readFileSync(message, "latin1").replace(/\r\n/g, "\n"));
    for (const input of [message, lf]) {
      const out = file("out.eml", "");
      const r = await openJson(input, ["--trust", caPem, "--out", out]);
      expect(r.json.layers[0].signers[0].status).toBe("valid");
      const bytes = readFileSync(out);
      expect(bytes.equals(readFileSync(oracle))).toBe(true);
      expect(bytes.toString("latin1")).toMatch(/^Content-Type: text\/plain; charset=utf-8\r\n/);
      expect(bytes.toString("latin1").replace(/\r\n/g, "")).not.toContain("\n");
    }
  });

  it("opaque signature: the encapsulated entity", async () => {
    const message = await protect(["--sign", "--opaque", "--digest", "SHA-512", ...pfx(alice, "A")], {
      A: PW.A,
    });
    const oracle = file("oracle", "");
    openssl(["cms", "-verify", "-in", message, "-CAfile", caPem, "-out", oracle]);
    const out = file("out.eml", "");
    const r = await openJson(message, ["--trust", caPem, "--out", out]);
    expect(r.json.layers[0]).toMatchObject({ form: "opaque", digest: "SHA-512" });
    expect(readFileSync(out).equals(readFileSync(oracle))).toBe(true);
  });

  it("encryption: the decrypted octets unmodified (a binary attachment keeps its lone LF and CR)", async () => {
    const binary = Buffer.from([0x00, 0x0a, 0x41, 0x0d, 0x42, 0xff, 0x0d, 0x0a, 0x43]);
    const input = file(
      "binary.eml",
      Buffer.concat([
        Buffer.from(
          'From: alice@example.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n',
        ),
        binary,
        Buffer.from("\r\n--b--\r\n"),
      ]),
    );
    const message = await protect(["--encrypt", "--to", bob.cert], {}, input);
    const oracle = file("oracle", "");
    openssl(["cms", "-decrypt", "-in", message, "-recip", bob.cert, "-inkey", bob.key, "-out", oracle]);
    const out = file("out.eml", "");
    const r = await openJson(message, [...pfx(bob, "B"), "--out", out], { B: PW.B });
    expect(r.code).toBe(0);
    const bytes = readFileSync(out);
    expect(bytes.equals(readFileSync(oracle))).toBe(true);
    expect(bytes.includes(binary)).toBe(true);
  });

  it("several --pfx pairs: the second key decrypts when the first is not a recipient", async () => {
    const message = await protect(["--encrypt", "--to", bob.cert, "--to", erin.cert]);
    const out = file("out.eml", "");
    const r = await openJson(message, [...pfx(alice, "A"), ...pfx(erin, "E"), "--out", out], {
      A: PW.A,
      E: PW.E,
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.layers[0]).toMatchObject({ keyManagement: ["RSA", "ECDH"], recipients: 2 });
    expect(readFileSync(out).toString("utf8")).toContain("Grüße — the figures are fine.");
  });
});

describe("protect output is what openssl cms reads", () => {
  it.each([
    ["--sign", ["--sign"]],
    ["--sign --opaque --digest SHA-384", ["--sign", "--opaque", "--digest", "SHA-384"]],
  ])("%s: openssl cms -verify", async (_name, flags) => {
    const message = await protect([...flags, ...pfx(alice, "A")], { A: PW.A });
    expect(tryOpenssl(["cms", "-verify", "-in", message, "-CAfile", caPem, "-out", path("v")]).ok).toBe(true);
  });

  it.each([
    ["--cipher AES-128-GCM", ["--cipher", "AES-128-GCM"], () => bob],
    ["--oaep", ["--oaep"], () => bob],
    ["--cipher 3DES-CBC", ["--cipher", "3DES-CBC"], () => bob],
    ["an EC recipient (ECDH, chosen automatically)", [], () => erin],
  ])("--encrypt %s: openssl cms -decrypt", async (_name, flags, who) => {
    const party = who();
    const message = await protect(["--encrypt", "--to", party.cert, ...flags]);
    const r = tryOpenssl([
      "cms",
      "-decrypt",
      "-in",
      message,
      "-recip",
      party.cert,
      "-inkey",
      party.key,
      "-out",
      path("d"),
    ]);
    expect(r.ok, r.stderr).toBe(true);
    expect(readFileSync(path("d"), "utf8")).toContain("figures are fine");
  });

  it("--sign --encrypt: openssl decrypts, then verifies the inner message", async () => {
    const message = await protect(["--sign", ...pfx(erin, "E"), "--encrypt", "--to", bob.cert], { E: PW.E });
    openssl([
      "cms",
      "-decrypt",
      "-in",
      message,
      "-recip",
      bob.cert,
      "-inkey",
      bob.key,
      "-out",
      path("inner.eml"),
    ]);
    expect(
      tryOpenssl(["cms", "-verify", "-in", path("inner.eml"), "-CAfile", caPem, "-out", path("v")]).ok,
    ).toBe(true);
  });
});

describe("peers → sealbox smime open --json", () => {
  const HEADERS = ["-from", "alice@example.test", "-to", "bob@example.test", "-subject", "x"];

  it.each([
    ["-sign (detached)", ["-sign"], { type: "signed", form: "detached", digest: "SHA-256" }],
    ["-sign -nodetach -md sha1", ["-sign", "-nodetach", "-md", "sha1"], { form: "opaque", digest: "SHA-1" }],
    [
      "-sign -md sha512 -stream",
      ["-sign", "-md", "sha512", "-stream"],
      { form: "detached", digest: "SHA-512" },
    ],
    ["-sign RSA-PSS", ["-sign", "-keyopt", "rsa_padding_mode:pss"], { form: "detached", digest: "SHA-256" }],
  ])("openssl cms %s", async (_name, flags, layer) => {
    const out = file("peer.eml", "");
    const [op, ...rest] = flags; // -keyopt must follow -signer
    openssl([
      "cms",
      op as string,
      "-in",
      plain,
      "-signer",
      alice.cert,
      "-inkey",
      alice.key,
      ...rest,
      ...HEADERS,
      "-out",
      out,
    ]);
    const oracle = file("oracle", "");
    openssl(["cms", "-verify", "-in", out, "-CAfile", caPem, "-out", oracle]);
    const inner = file("inner", "");
    const r = await openJson(out, ["--trust", caPem, "--out", inner]);
    expect(r.json).toMatchObject({
      ok: true,
      layers: [{ ...layer, content: "Text", signers: [{ status: "valid" }] }],
    });
    expect(readFileSync(inner).equals(readFileSync(oracle))).toBe(true);
  });

  it.each([
    ["-aes128", ["-aes128"], "AES-128-CBC", "RSA", () => bob],
    ["-des3", ["-des3"], "3DES-CBC", "RSA", () => bob],
    [
      "-rc2-40 (legacy provider)",
      ["-rc2-40", "-provider", "legacy", "-provider", "default"],
      "RC2(40bit)",
      "RSA",
      () => bob,
    ],
    ["-aes-256-gcm", ["-aes-256-gcm"], "AES-256-GCM", "RSA", () => bob],
    ["OAEP", ["-aes256", "-keyopt", "rsa_padding_mode:oaep"], "AES-256-CBC", "RSA-OAEP", () => bob],
    ["ECDH", ["-aes192"], "AES-192-CBC", "ECDH", () => erin],
  ])("openssl cms -encrypt %s", async (_name, flags, cipher, km, who) => {
    const party = who();
    const out = file("peer.eml", "");
    const keyopt = flags.includes("-keyopt") ? flags.slice(flags.indexOf("-keyopt")) : [];
    const rest = flags.filter((f) => !keyopt.includes(f));
    openssl([
      "cms",
      "-encrypt",
      "-in",
      plain,
      ...rest,
      ...HEADERS,
      "-out",
      out,
      "-recip",
      party.cert,
      ...keyopt,
    ]);
    const oracle = file("oracle", "");
    const providers = flags.includes("legacy") ? ["-provider", "legacy", "-provider", "default"] : [];
    openssl([
      "cms",
      "-decrypt",
      "-in",
      out,
      "-recip",
      party.cert,
      "-inkey",
      party.key,
      "-out",
      oracle,
      ...providers,
    ]);
    const inner = file("inner", "");
    const variable = party === erin ? "E" : "B";
    const r = await openJson(out, [...pfx(party, variable), "--out", inner], { B: PW.B, E: PW.E });
    expect(r.json).toEqual({
      ok: true,
      layers: [
        {
          type: "encrypted",
          cipher,
          keyManagement: [km],
          recipients: 1,
          decrypted: true,
          kind: cipher.endsWith("GCM") ? "authEnveloped" : "enveloped",
        },
      ],
    });
    expect(readFileSync(inner).equals(readFileSync(oracle))).toBe(true);
  });

  it("openssl sign, then encrypt the signed message: two layers, the signed bytes out", async () => {
    const signed = file("signed.eml", "");
    openssl([
      "cms",
      "-sign",
      "-in",
      plain,
      "-signer",
      alice.cert,
      "-inkey",
      alice.key,
      ...HEADERS,
      "-out",
      signed,
    ]);
    const message = file("enc.eml", "");
    openssl(["cms", "-encrypt", "-in", signed, "-aes256", ...HEADERS, "-out", message, bob.cert]);
    const inner = file("inner", "");
    const r = await openJson(message, [...pfx(bob, "B"), "--trust", caPem, "--out", inner], { B: PW.B });
    expect(r.json.layers.map((l: { type: string }) => l.type)).toEqual(["encrypted", "signed"]);
    expect(r.json.layers[1].signers[0].status).toBe("valid");
    const opened = await openMessage(readFileSync(signed), {});
    expect(readFileSync(inner).equals(Buffer.from(opened.content))).toBe(true);
  });
});

describe("speed", () => {
  it("open of a 10 KB signed+encrypted message, process start included, takes well under a second", async () => {
    const big = file("big.eml", `${MESSAGE}${"The quarterly figures are fine, thank you.\n".repeat(230)}`);
    expect(readFileSync(big).length).toBeGreaterThan(10_000);
    const message = await protect(
      ["--sign", ...pfx(alice, "A"), "--encrypt", "--to", bob.cert],
      { A: PW.A },
      big,
    );
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await openJson(message, [...pfx(bob, "B"), "--trust", caPem], { B: PW.B });
      expect(r.json.layers[1].signers[0].status).toBe("valid");
      times.push(r.ms);
    }
    times.sort((a, b) => a - b);
    const median = times[2] as number;
    console.info(
      `sealbox smime open, 10 KB signed+encrypted: median ${median.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(", ")})`,
    );
    expect(median).toBeLessThan(1500);
  });
});
