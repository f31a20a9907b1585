import { verifyCertificate } from "@sealbox/core";
import { flagValue, flagValues, hasFlag, parseArgs } from "../args.js";
import { PURPOSES, parseAt, readObjects, verdictJson } from "../certificates/verify-files.js";
import { UsageError } from "../errors.js";

const USAGE = `usage: sealbox cert verify LEAF.pem [--untrusted CERT.pem]... [--trust ROOT.pem]... [--crl CRL.pem]...
        [--at ISO-8601] [--purpose any|email-sign|email-encrypt] [--email ADDRESS] [--json]
(--purpose defaults to any: the path alone; email-sign is what smime open requires of a signer)`;

export interface CertIo {
  stdout: (text: string) => void;
}

const processIo: CertIo = { stdout: (t) => process.stdout.write(t) };

/**
 * `sealbox cert verify`: path validation of one certificate by the rules `smime open` uses.
 * Exit 0 whether valid or not (the verdict is the output); 1 for a missing file or one holding
 * no certificate; 2 usage. The --json shape {valid,status,reason,chain[{subject,sha256}]} is a
 * public contract.
 */
export async function run(args: string[], io: CertIo = processIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "verify") throw new UsageError(USAGE);
  const spec = {
    untrusted: "string",
    trust: "string",
    crl: "string",
    at: "string",
    purpose: "string",
    email: "string",
    json: "boolean",
  } as const;
  const parsed = parseArgs(rest, spec, USAGE);
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one LEAF certificate file\n${USAGE}`);
  const atText = flagValue(parsed, "at", USAGE);
  const at = atText === undefined ? new Date() : parseAt(atText);
  if (!at) throw new UsageError(`--at must be an ISO-8601 date-time (got "${atText}")\n${USAGE}`);
  const purpose = flagValue(parsed, "purpose", USAGE) ?? "any";
  if (!(PURPOSES as readonly string[]).includes(purpose))
    throw new UsageError(`--purpose must be one of ${PURPOSES.join(", ")} (got "${purpose}")\n${USAGE}`);
  const email = flagValue(parsed, "email", USAGE);

  const [leaf, ...alsoGiven] = readObjects(parsed.positionals[0] as string, "certificate");
  const verdict = verifyCertificate({
    leaf: leaf as Uint8Array,
    // Further certificates in the leaf's file are its chain, as in a PEM bundle.
    untrusted: [
      ...alsoGiven,
      ...flagValues(parsed, "untrusted").flatMap((f) => readObjects(f, "certificate")),
    ],
    trust: flagValues(parsed, "trust").flatMap((f) => readObjects(f, "certificate")),
    crls: flagValues(parsed, "crl").flatMap((f) => readObjects(f, "crl")),
    at,
    purpose: purpose as (typeof PURPOSES)[number],
    ...(email !== undefined ? { email } : {}),
  });
  const report = verdictJson(verdict, at);
  if (hasFlag(parsed, "json")) io.stdout(`${JSON.stringify(report)}\n`);
  else {
    const lines = [`${report.valid ? "valid" : "NOT valid"}: ${report.status} — ${report.reason}`];
    for (const c of report.chain) lines.push(`  ${c.subject}  sha256 ${c.sha256}`);
    for (const i of report.ignored) lines.push(`  ignored ${i.kind} #${i.index + 1}: ${i.reason}`);
    io.stdout(`${lines.join("\n")}\n`);
  }
  return 0;
}
