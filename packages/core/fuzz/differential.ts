import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as asn1js from "asn1js";
import fc from "fast-check";
import * as pkijs from "pkijs";
import { berContext } from "../src/asn1/ber-reader.js";
import { parseSignedData } from "../src/cms/signed/parse-signed-data.js";
import { verifySignedData } from "../src/cms/signed/verify-signed-data.js";
import { CoreError } from "../src/errors.js";
import { importPfx } from "../src/pkcs12/import-pfx.js";
import { type Certificate, parseCertificate } from "../src/pki/certificate.js";
import { verifyIssuedBy } from "../src/pki/chain.js";
import { parseCrl } from "../src/pki/crl.js";
import { sameName } from "../src/pki/name.js";
import { pemBlocks } from "../src/pki/pem.js";
import { regressionInputs } from "./harness.js";
import { encodeTree, mutateBer, opArbitrary, parseTree } from "./mutate.js";
import { buildSeeds, readSeed, type SeedKind } from "./seeds.js";

/**
 * The differential oracle: one input parsed and verified by core, by pkijs/asn1js and by the
 * openssl command, each reduced to the same small facts (accepted or not, the fields both
 * read, whether a signature verifies), so any difference is a named disagreement.
 */
export type Side = "core" | "pkijs" | "openssl";

export interface Facts {
  /** Parsed at all; false with the reason otherwise. */
  accepted: boolean;
  reason?: string;
  fields: Record<string, string>;
  /** Signature outcomes by aspect name ("signature", "chain"): "good" / "bad". */
  checks: Record<string, "good" | "bad">;
}

export interface DiffInput {
  id: string;
  kind: SeedKind;
  bytes: Buffer;
  content?: Buffer;
  /** The issuer of a certificate or CRL, when the corpus has it. */
  issuer?: { core: Certificate; der: Buffer; pemPath: string };
}

export interface OracleEnv {
  dir: string;
  trustPem: string;
  intermediatesPem: string;
  trust: Certificate[];
  known: Certificate[];
  at: Date;
  password: string;
}

export interface Disagreement {
  input: string;
  kind: SeedKind;
  other: Exclude<Side, "core">;
  aspect: string;
  core: string;
  said: string;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const why = (e: unknown) =>
  e instanceof CoreError
    ? `CoreError ${e.code}: ${e.message}`
    : `${(e as Error)?.name}: ${(e as Error)?.message}`;
const serialOf = (bytes: Uint8Array) => {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes.length > 0 && ((bytes[0] as number) & 0x80) !== 0) v -= 1n << BigInt(bytes.length * 8);
  return v.toString(16);
};
const seconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString();

function asn1(bytes: Uint8Array): asn1js.AsnType {
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1) throw new Error(`asn1js: ${parsed.result.error}`);
  if (parsed.offset !== bytes.length)
    throw new Error(`asn1js: ${bytes.length - parsed.offset} trailing bytes`);
  return parsed.result;
}

function openssl(env: OracleEnv, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync("openssl", args, { cwd: env.dir, encoding: "latin1", timeout: 20_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

function writeInput(env: OracleEnv, name: string, bytes: Uint8Array): string {
  const path = join(env.dir, name);
  writeFileSync(path, bytes);
  return path;
}

function opensslDates(out: string, names: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of names) {
    const m = new RegExp(`${name}=(\\S+ \\S+)`).exec(out);
    if (!m?.[1]) continue;
    const date = new Date(m[1].replace(" ", "T"));
    fields[name] = Number.isNaN(date.getTime()) ? `unreadable ${m[1]}` : date.toISOString();
  }
  return fields;
}

async function coreCertificate(input: DiffInput): Promise<Facts> {
  try {
    const cert = parseCertificate(input.bytes);
    const checks: Facts["checks"] = {};
    if (input.issuer) checks.signature = verifyIssuedBy(cert, input.issuer.core) === null ? "good" : "bad";
    const params = cert.signatureAlgorithm.parameters;
    const notes = [`signature under its issuer: ${checks.signature ?? "unchecked"}`];
    if (params && !(params.length === 2 && params[0] === 0x05 && params[1] === 0))
      notes.push("signatureAlgorithm parameters are not NULL");
    notes.push(...outerShape(input.bytes));
    return {
      accepted: true,
      reason: notes.join("; "),
      fields: {
        serial: cert.serial.toString(16),
        notBefore: seconds(cert.notBefore),
        notAfter: seconds(cert.notAfter),
        signatureAlgorithm: cert.signatureAlgorithm.oid,
        publicKey: sha256(cert.publicKeyBits),
      },
      checks,
    };
  } catch (e) {
    return { accepted: false, reason: why(e), fields: {}, checks: {} };
  }
}

/** A signed X.509 structure is SEQUENCE { tbs, signatureAlgorithm, signatureValue }: say when it is not. */
function outerShape(bytes: Uint8Array): string[] {
  const tree = parseTree(bytes);
  const count = tree?.children?.length;
  const notes = count !== undefined && count !== 3 ? [`outer SEQUENCE has ${count} elements`] : [];
  const algorithm = tree?.children?.[1]?.children?.length;
  if (algorithm !== undefined && algorithm > 2) notes.push(`signatureAlgorithm has ${algorithm} elements`);
  return notes;
}

async function pkijsCertificate(input: DiffInput): Promise<Facts> {
  try {
    const cert = new pkijs.Certificate({ schema: asn1(input.bytes) });
    const checks: Facts["checks"] = {};
    if (input.issuer) {
      const issuer = new pkijs.Certificate({ schema: asn1(input.issuer.der) });
      checks.signature = (await cert.verify(issuer).catch(() => false)) ? "good" : "bad";
    }
    return {
      accepted: true,
      fields: {
        serial: serialOf(cert.serialNumber.valueBlock.valueHexView),
        notBefore: seconds(cert.notBefore.value),
        notAfter: seconds(cert.notAfter.value),
        signatureAlgorithm: cert.signatureAlgorithm.algorithmId,
        publicKey: sha256(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView),
      },
      checks,
    };
  } catch (e) {
    return { accepted: false, reason: why(e), fields: {}, checks: {} };
  }
}

function opensslCertificate(env: OracleEnv, input: DiffInput): Facts {
  const file = inputFile(env, input);
  const r = openssl(env, [
    "x509",
    "-inform",
    "DER",
    "-in",
    file,
    "-noout",
    "-serial",
    "-startdate",
    "-enddate",
    "-dateopt",
    "iso_8601",
  ]);
  if (!r.ok) return { accepted: false, reason: r.out.split("\n")[0] ?? "", fields: {}, checks: {} };
  const serial = /serial=(-?[0-9A-F]*)/.exec(r.out)?.[1] ?? "";
  const dates = opensslDates(r.out, ["notBefore", "notAfter"]);
  return {
    accepted: true,
    fields: {
      serial: (serial.startsWith("-")
        ? -BigInt(`0x${serial.slice(1) || "0"}`)
        : BigInt(`0x${serial || "0"}`)
      ).toString(16),
      ...dates,
    },
    checks: {},
  };
}

async function coreCrl(input: DiffInput): Promise<Facts> {
  try {
    const crl = parseCrl(input.bytes);
    const checks: Facts["checks"] = {};
    if (input.issuer) checks.signature = verifyIssuedBy(crl, input.issuer.core) === null ? "good" : "bad";
    return {
      accepted: true,
      reason: [
        `signature under its issuer: ${checks.signature ?? "unchecked"}`,
        ...outerShape(input.bytes),
      ].join("; "),
      fields: {
        thisUpdate: seconds(crl.thisUpdate),
        ...(crl.nextUpdate ? { nextUpdate: seconds(crl.nextUpdate) } : {}),
        revoked: [...crl.revoked.keys()].map((s) => s.toString(16)).join(","),
      },
      checks,
    };
  } catch (e) {
    return { accepted: false, reason: why(e), fields: {}, checks: {} };
  }
}

async function pkijsCrl(input: DiffInput): Promise<Facts> {
  try {
    const crl = new pkijs.CertificateRevocationList({ schema: asn1(input.bytes) });
    const checks: Facts["checks"] = {};
    if (input.issuer) {
      const issuerCertificate = new pkijs.Certificate({ schema: asn1(input.issuer.der) });
      checks.signature = (await crl.verify({ issuerCertificate }).catch(() => false)) ? "good" : "bad";
    }
    return {
      accepted: true,
      fields: {
        thisUpdate: seconds(crl.thisUpdate.value),
        ...(crl.nextUpdate ? { nextUpdate: seconds(crl.nextUpdate.value) } : {}),
        revoked: (crl.revokedCertificates ?? [])
          .map((r) => serialOf(r.userCertificate.valueBlock.valueHexView))
          .join(","),
      },
      checks,
    };
  } catch (e) {
    return { accepted: false, reason: why(e), fields: {}, checks: {} };
  }
}

function opensslCrl(env: OracleEnv, input: DiffInput): Facts {
  const file = inputFile(env, input);
  const args = [
    "crl",
    "-inform",
    "DER",
    "-in",
    file,
    "-noout",
    "-lastupdate",
    "-nextupdate",
    "-dateopt",
    "iso_8601",
  ];
  const r = openssl(env, input.issuer ? [...args, "-CAfile", input.issuer.pemPath] : args);
  // With -CAfile openssl exits 1 on a bad signature but still parsed the CRL.
  const parsed = /lastUpdate=/.test(r.out);
  if (!parsed) return { accepted: false, reason: r.out.split("\n")[0] ?? "", fields: {}, checks: {} };
  const dates = opensslDates(r.out, ["lastUpdate", "nextUpdate"]);
  return {
    accepted: true,
    fields: {
      ...(dates.lastUpdate ? { thisUpdate: dates.lastUpdate } : {}),
      ...(dates.nextUpdate ? { nextUpdate: dates.nextUpdate } : {}),
    },
    checks: input.issuer ? { signature: /verify OK/.test(r.out) ? "good" : "bad" } : {},
  };
}

/** Verdicts reached only after the signature itself verified. */
const SIGNATURE_VERIFIED = new Set<string>([
  "valid",
  "address-mismatch",
  "weak-algorithm",
  "wrong-usage",
  "untrusted",
  "not-yet-valid",
  "expired",
  "revoked",
]);

async function coreSigned(env: OracleEnv, input: DiffInput): Promise<Facts> {
  try {
    const result = await verifySignedData(input.bytes, {
      ...(input.content ? { content: input.content } : {}),
      trust: env.trust,
      known: env.known,
      at: env.at,
    });
    const statuses = result.signers.map((s) => s.status);
    const notes = signedNotes(
      env,
      input.bytes,
      result.signers.map((s) => s.certificate),
    );
    return {
      accepted: true,
      fields: { signers: String(result.signers.length), contentType: result.contentType },
      checks: {
        // Good when every signer got past the signature check to a verdict about its certificate;
        // bad-signature and anything ranked with it (an unknown signer, an unsupported algorithm) is bad.
        signature: statuses.length > 0 && statuses.every((s) => SIGNATURE_VERIFIED.has(s)) ? "good" : "bad",
        chain: statuses.length > 0 && statuses.every((s) => s === "valid") ? "good" : "bad",
      },
      reason: [...result.signers.map((s) => `${s.status}: ${s.reason}`), ...notes].join("; "),
    };
  } catch (e) {
    return { accepted: false, reason: why(e), fields: {}, checks: {} };
  }
}

/**
 * Facts about a SignedData that explain known differences between verifiers, stated in core's
 * words so the accepted list can name them: several copies of a signer's certificate (openssl
 * takes the first), certificates core could not parse, signed attributes not in DER.
 */
function signedNotes(
  env: OracleEnv,
  der: Uint8Array,
  signerCertificates: (Certificate | undefined)[],
): string[] {
  const notes: string[] = [];
  let raw: ReturnType<typeof parseSignedData>;
  try {
    raw = parseSignedData(der, berContext(), 64, 1000);
  } catch {
    return notes;
  }
  let unparsed = 0;
  for (const c of raw.certificates) {
    try {
      parseCertificate(c);
    } catch {
      unparsed++;
    }
  }
  if (unparsed > 0) notes.push(`the message carries ${unparsed} certificates core could not parse`);
  const signers = signerCertificates.flatMap((c) => (c ? [Buffer.from(c.der)] : []));
  let strictlyBad = 0;
  for (const c of raw.certificates) {
    if (signers.some((s) => s.equals(Buffer.from(c)))) continue;
    const x509 = openssl(env, [
      "x509",
      "-inform",
      "DER",
      "-in",
      writeInput(env, "message-cert.der", c),
      "-noout",
    ]);
    try {
      new pkijs.Certificate({ schema: asn1(c) });
      const tree = parseTree(c);
      if (!x509.ok || !tree || !encodeTree(tree).equals(Buffer.from(c))) strictlyBad++;
    } catch {
      strictlyBad++;
    }
  }
  if (strictlyBad > 0)
    notes.push(`${strictlyBad} certificates other than the signer's are not valid DER certificates`);
  for (const cert of signerCertificates) {
    if (!cert) continue;
    const params = cert.signatureAlgorithm.parameters;
    const shape = outerShape(cert.der);
    if (params && !(params.length === 2 && params[0] === 0x05 && params[1] === 0))
      shape.push("signatureAlgorithm parameters are not NULL");
    if (shape.length > 0) notes.push(`the signer's certificate: ${shape.join(", ")}`);
    const serial = Buffer.from(cert.serialHex.length % 2 ? `0${cert.serialHex}` : cert.serialHex, "hex");
    const copies = raw.certificates.filter((c) => Buffer.from(c).includes(serial)).length;
    if (copies > 1) notes.push(`the message carries ${copies} copies of the signer's certificate`);
  }
  // digestAlgorithms only helps one-pass verifiers (RFC 5652 §5.1); each SignerInfo names its own.
  const listed = (parseTree(der)?.children?.[1]?.children?.[0]?.children?.[1]?.children ?? []).map((a) =>
    Buffer.from(a.children?.[0]?.content ?? []).toString("hex"),
  );
  for (const info of raw.signerInfos) {
    if ("malformed" in info) continue;
    const oid = der.subarray(info.digestAlgorithm.start, info.digestAlgorithm.end);
    const tree = parseTree(oid);
    const hex = Buffer.from(tree?.children?.[0]?.content ?? []).toString("hex");
    if (!listed.includes(hex)) notes.push("digestAlgorithms does not list a signer's digest algorithm");
  }
  for (const info of raw.signerInfos) {
    if ("malformed" in info || !info.signedAttrs) continue;
    const bytes = der.subarray(info.signedAttrs.start, info.signedAttrs.end);
    const tree = parseTree(bytes);
    if (!tree || !encodeTree(tree).equals(Buffer.from(bytes))) notes.push("signed attributes are not DER");
  }
  return notes;
}

async function pkijsSigned(input: DiffInput): Promise<Facts> {
  try {
    const info = new pkijs.ContentInfo({ schema: asn1(input.bytes) });
    if (info.contentType !== pkijs.ContentInfo.SIGNED_DATA)
      throw new Error(`content type ${info.contentType}`);
    const sd = new pkijs.SignedData({ schema: info.content });
    let good = sd.signerInfos.length > 0;
    for (let i = 0; i < sd.signerInfos.length; i++) {
      const r = await sd
        .verify({
          signer: i,
          checkChain: false,
          extendedMode: true,
          ...(input.content ? { data: new Uint8Array(input.content).buffer } : {}),
        })
        .catch((e: { signatureVerified?: boolean }) => e);
      if (!(r as { signatureVerified?: boolean }).signatureVerified) good = false;
    }
    return {
      accepted: true,
      fields: { signers: String(sd.signerInfos.length), contentType: sd.encapContentInfo.eContentType },
      checks: { signature: good ? "good" : "bad" },
    };
  } catch (e) {
    return { accepted: false, reason: why(e), fields: {}, checks: {} };
  }
}

function opensslSigned(env: OracleEnv, input: DiffInput): Facts {
  const file = inputFile(env, input);
  const content = input.content
    ? ["-content", inputFile(env, { ...input, bytes: input.content }, "content")]
    : [];
  const base = ["cms", "-verify", "-inform", "DER", "-in", file, "-binary", "-out", "/dev/null", ...content];
  const parse = openssl(env, ["cms", "-cmsout", "-inform", "DER", "-in", file, "-noout"]);
  if (!parse.ok) return { accepted: false, reason: parse.out.split("\n")[0] ?? "", fields: {}, checks: {} };
  const signature = openssl(env, [...base, "-noverify"]);
  const attime = String(Math.floor(env.at.getTime() / 1000));
  const chain = openssl(env, [
    ...base,
    "-CAfile",
    env.trustPem,
    "-certfile",
    env.intermediatesPem,
    "-attime",
    attime,
  ]);
  return {
    accepted: true,
    fields: {},
    checks: { signature: signature.ok ? "good" : "bad", chain: chain.ok ? "good" : "bad" },
    reason: `${signature.out.trim().split("\n")[0]} / ${chain.out.trim().split("\n")[0]}`,
  };
}

async function corePfx(env: OracleEnv, input: DiffInput): Promise<Facts> {
  try {
    const pfx = importPfx(input.bytes, env.password, { now: env.at });
    const count = parseTree(input.bytes)?.children?.length;
    return {
      accepted: true,
      fields: { leaf: pfx.identity.certificate.sha256 },
      checks: {},
      ...(count !== undefined && count > 3 ? { reason: `PFX has ${count} elements` } : {}),
    };
  } catch (e) {
    return { accepted: false, reason: why(e), fields: {}, checks: {} };
  }
}

async function pkijsPfx(input: DiffInput): Promise<Facts> {
  // pkijs lacks PKCS#12 PBES1 (SMIME-NOTES): it is an oracle for the outer structure only.
  try {
    const pfx = new pkijs.PFX({ schema: asn1(input.bytes) });
    return { accepted: true, fields: {}, checks: {}, reason: `version ${pfx.version}` };
  } catch (e) {
    return { accepted: false, reason: why(e), fields: {}, checks: {} };
  }
}

function opensslPfx(env: OracleEnv, input: DiffInput): Facts {
  const file = inputFile(env, input);
  const out = join(env.dir, "pfx-leaf.pem");
  rmSync(out, { force: true });
  const r = openssl(env, [
    ...["pkcs12", "-legacy", "-in", file, "-passin", `pass:${env.password}`, "-clcerts", "-nokeys"],
    ...["-out", out],
  ]);
  if (!r.ok) return { accepted: false, reason: r.out.trim().split("\n")[0] ?? "", fields: {}, checks: {} };
  const [leaf] = pemBlocks(readFileSync(out, "latin1"));
  return { accepted: true, fields: leaf ? { leaf: sha256(leaf) } : {}, checks: {} };
}

function inputFile(env: OracleEnv, input: DiffInput, suffix = "der"): string {
  return writeInput(env, `${sha256(input.bytes).slice(0, 16)}.${suffix}`, input.bytes);
}

/** Every side's facts about one input. */
export async function oracle(env: OracleEnv, input: DiffInput): Promise<Record<Side, Facts>> {
  switch (input.kind) {
    case "certificate":
      return {
        core: await coreCertificate(input),
        pkijs: await pkijsCertificate(input),
        openssl: opensslCertificate(env, input),
      };
    case "crl":
      return { core: await coreCrl(input), pkijs: await pkijsCrl(input), openssl: opensslCrl(env, input) };
    case "signed":
      return {
        core: await coreSigned(env, input),
        pkijs: await pkijsSigned(input),
        openssl: opensslSigned(env, input),
      };
    case "pfx":
      return {
        core: await corePfx(env, input),
        pkijs: await pkijsPfx(input),
        openssl: opensslPfx(env, input),
      };
    default:
      throw new Error(`no differential oracle for ${input.kind}`);
  }
}

/** Where core and another side differ: acceptance, a field both read, or a check both made. */
export function compare(input: DiffInput, facts: Record<Side, Facts>): Disagreement[] {
  const out: Disagreement[] = [];
  const core = facts.core;
  for (const other of ["pkijs", "openssl"] as const) {
    const them = facts[other];
    const base = { input: input.id, kind: input.kind, other };
    if (core.accepted !== them.accepted) {
      out.push({
        ...base,
        aspect: "accepted",
        core: core.accepted
          ? `accepted${core.reason ? ` (${core.reason})` : ""}`
          : `rejected (${core.reason})`,
        said: them.accepted ? "accepted" : `rejected (${them.reason})`,
      });
      continue;
    }
    if (!core.accepted) continue;
    for (const [field, value] of Object.entries(them.fields)) {
      const mine = core.fields[field];
      if (mine !== undefined && mine !== value) out.push({ ...base, aspect: field, core: mine, said: value });
    }
    for (const [check, value] of Object.entries(them.checks)) {
      const mine = core.checks[check];
      if (mine !== undefined && mine !== value)
        out.push({
          ...base,
          aspect: check,
          core: `${mine}${core.reason ? ` (${core.reason})` : ""}`,
          said: `${value}${them.reason ? ` (${them.reason})` : ""}`,
        });
    }
  }
  return out;
}

export interface AcceptedDisagreement {
  kind: SeedKind;
  other: Exclude<Side, "core">;
  aspect: string;
  /** Regular expressions over the two sides' words. */
  core: string;
  said: string;
  /** Which side RFC 5280 / 5652 / 7292 backs, and why the difference stays. */
  right: "core" | "other" | "either";
  reason: string;
}

export function matches(d: Disagreement, a: AcceptedDisagreement): boolean {
  return (
    d.kind === a.kind &&
    d.other === a.other &&
    d.aspect === a.aspect &&
    new RegExp(a.core, "s").test(d.core) &&
    new RegExp(a.said, "s").test(d.said)
  );
}

export function oracleEnv(
  trustPem: string[],
  intermediatesPem: string[],
  at: Date,
  password: string,
): OracleEnv {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-differential-"));
  const trustPath = join(dir, "trust.pem");
  const interPath = join(dir, "intermediates.pem");
  writeFileSync(trustPath, trustPem.join(""));
  writeFileSync(interPath, intermediatesPem.join(""));
  return {
    dir,
    trustPem: trustPath,
    intermediatesPem: interPath,
    trust: trustPem.map((p) => parseCertificate(p)),
    known: intermediatesPem.map((p) => parseCertificate(p)),
    at,
    password,
  };
}

const VARIANTS: Record<string, number> = { certificate: 10, crl: 16, signed: 8, pfx: 6 };
export const DIFF_KINDS: SeedKind[] = ["certificate", "crl", "signed", "pfx"];
const KINDS = DIFF_KINDS;
const REGRESSION_KINDS: Record<string, SeedKind> = {
  certificate: "certificate",
  crl: "crl",
  "cms-signed": "signed",
  pkcs12: "pfx",
};

/**
 * The differential inputs: the seed corpus's certificates, CRLs, SignedData and PKCS#12
 * (built in `work`), fuzzer-made variants of each from fixed fast-check seeds, and the
 * committed regression inputs of those kinds.
 */
export function buildDiffInputs(work: string, scale = 1): { env: OracleEnv; inputs: DiffInput[] } {
  const inputs: DiffInput[] = [];

  const manifest = buildSeeds(join(work, "seeds"));
  const pem = (f: string) => readFileSync(join(manifest.dir, f), "latin1");
  const certificates = manifest.seeds
    .filter((s) => s.kind === "certificate")
    .map((s) => ({ der: readSeed(manifest, s).bytes, path: join(work, `${s.id}.pem`) }));
  for (const c of certificates)
    writeFileSync(
      c.path,
      `-----BEGIN CERTIFICATE-----\n${c.der.toString("base64")}\n-----END CERTIFICATE-----\n`,
    );
  const issuerOf = (issuerName: ReturnType<typeof parseCertificate>["issuerName"], self: Buffer) => {
    const found =
      certificates.find(
        (c) => !c.der.equals(self) && sameName(parseCertificate(c.der).subjectName, issuerName),
      ) ?? certificates.find((c) => sameName(parseCertificate(c.der).subjectName, issuerName));
    return found && { core: parseCertificate(found.der), der: found.der, pemPath: found.path };
  };
  const identities = manifest.identities.map((i) => parseCertificate(pem(i.cert)));
  const newest = Math.max(...identities.map((c) => c.notBefore.getTime()));
  const env = oracleEnv(
    manifest.trust.map(pem),
    manifest.intermediates.map(pem),
    new Date(newest + 3_600_000),
    manifest.password,
  );

  for (const seed of manifest.seeds.filter((s) => KINDS.includes(s.kind))) {
    const { bytes, content } = readSeed(manifest, seed);
    const issuer =
      seed.kind === "certificate"
        ? issuerOf(parseCertificate(bytes).issuerName, bytes)
        : seed.kind === "crl"
          ? issuerOf(parseCrl(bytes).issuerName, Buffer.alloc(0))
          : undefined;
    const base = { kind: seed.kind, ...(content ? { content } : {}), ...(issuer ? { issuer } : {}) };
    inputs.push({ id: seed.id, bytes, ...base });
    const donors = [parseTree(bytes)].filter((t) => t !== undefined);
    const plans = fc.sample(fc.array(opArbitrary, { minLength: 1, maxLength: 3 }), {
      seed: 20261205 + inputs.length,
      numRuns: (VARIANTS[seed.kind] ?? 0) * scale,
    });
    plans.forEach((ops, i) => {
      let variant: Buffer = bytes;
      for (const op of ops) variant = mutateBer(variant, op, donors);
      inputs.push({ id: `${seed.id}~variant-${i}`, bytes: variant, ...base });
    });
  }
  // Inputs kept from earlier differential runs (a core fix each); an issuer.pem beside one is its issuer.
  const kept = fileURLToPath(new URL("./differential/inputs/", import.meta.url));
  for (const kind of KINDS) {
    const folder = join(kept, kind);
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder).filter((f) => f.endsWith(".der"))) {
      const issuerPath = join(folder, name.replace(/\.der$/, ".issuer.pem"));
      const issuerDer = existsSync(issuerPath)
        ? Buffer.from(pemBlocks(readFileSync(issuerPath, "latin1"))[0] ?? [])
        : undefined;
      inputs.push({
        id: `kept ${kind}/${name}`,
        kind,
        bytes: readFileSync(join(folder, name)),
        ...(issuerDer
          ? { issuer: { core: parseCertificate(issuerDer), der: issuerDer, pemPath: issuerPath } }
          : {}),
      });
    }
  }
  for (const [target, kind] of Object.entries(REGRESSION_KINDS))
    for (const r of regressionInputs(target))
      inputs.push({ id: `regression ${r.name}`, kind, bytes: r.bytes });

  return { env, inputs };
}
