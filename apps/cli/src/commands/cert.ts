import { verifyCertificate } from "@sealbox/core";
import { command, group } from "../command.js";
import { UsageError } from "../errors.js";
import { flag, value } from "../options.js";
import { PURPOSES, parseAt, readObjects, verdictJson } from "../support/verify-files.js";

/**
 * `sealbox cert verify`: path validation of one certificate by the rules `smime open` uses.
 * Exit 0 whether valid or not (the verdict is the output); 1 for a missing file or one holding
 * no certificate; 2 usage. The --json shape {valid,status,reason,chain[{subject,sha256}]} is a
 * public contract.
 */
const verify = command({
  name: "cert verify",
  args: "LEAF.pem",
  expect: "one LEAF certificate file",
  options: {
    untrusted: value("CERT.pem", { repeat: true }),
    trust: value("ROOT.pem", { repeat: true }),
    crl: value("CRL.pem", { repeat: true }),
    at: value("ISO-8601"),
    purpose: value("PURPOSE", { choices: PURPOSES }),
    email: value("ADDRESS"),
    json: flag(),
  },
  notes: "--purpose defaults to any: the path alone; email-sign is what smime open requires of a signer",
  async run({ options, positionals: [file] }, io) {
    const at = options.at === undefined ? io.now() : parseAt(options.at);
    if (!at) throw new UsageError(`--at must be an ISO-8601 date-time (got "${options.at}")`);
    const purpose = (options.purpose ?? "any") as (typeof PURPOSES)[number];
    const [leaf, ...alsoGiven] = readObjects(file, "certificate");
    const verdict = verifyCertificate({
      leaf: leaf as Uint8Array,
      // Further certificates in the leaf's file are its chain, as in a PEM bundle.
      untrusted: [...alsoGiven, ...options.untrusted.flatMap((f) => readObjects(f, "certificate"))],
      trust: options.trust.flatMap((f) => readObjects(f, "certificate")),
      crls: options.crl.flatMap((f) => readObjects(f, "crl")),
      at,
      purpose,
      ...(options.email !== undefined ? { email: options.email } : {}),
    });
    const report = verdictJson(verdict, at);
    if (options.json) io.stdout(`${JSON.stringify(report)}\n`);
    else {
      const lines = [`${report.valid ? "valid" : "NOT valid"}: ${report.status} — ${report.reason}`];
      for (const c of report.chain) lines.push(`  ${c.subject}  sha256 ${c.sha256}`);
      for (const i of report.ignored) lines.push(`  ignored ${i.kind} #${i.index + 1}: ${i.reason}`);
      io.stdout(`${lines.join("\n")}\n`);
    }
    return 0;
  },
});

export const entry = group("cert", { verify });
