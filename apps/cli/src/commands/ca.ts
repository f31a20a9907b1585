import { toPem } from "@sealbox/core";
import { type IssuedCertificateRecord, REVOCATION_REASONS, type RevocationReason } from "@sealbox/store";
import { command, group } from "../command.js";
import { UsageError } from "../errors.js";
import { flag, value } from "../options.js";
import { readInputFile } from "../support/files.js";
import { json, table } from "../support/output.js";
import { readSecret } from "../support/secret.js";
import { storeOption, withStore } from "../support/store.js";
import { writePrivateFile } from "../support/write-private-file.js";

/** `sealbox ca show|install|crl|issued|revoke`: the server CA that issues users' certificates. */
const NOTE = "the CA key is sealed under SEALBOX_SECRET or the data folder's server-secret file";

const show = command({
  name: "ca show",
  options: { pem: flag(), json: flag(), ...storeOption },
  notes: NOTE,
  async run({ options }, io) {
    return withStore(options.store, io, async (store) => {
      const ca = await store.ca.ensure();
      const c = ca.certificate;
      if (options.pem) {
        io.stdout([c, ...ca.chain].map((x) => toPem(x.der, "CERTIFICATE")).join(""));
      } else if (options.json) {
        json(io, {
          subject: c.subject,
          issuer: c.issuer,
          serial: c.serialHex,
          notBefore: c.notBefore.toISOString(),
          notAfter: c.notAfter.toISOString(),
          keyAlgorithm: c.keyAlgorithm,
          keySize: c.keySize,
          certificateSha256: c.sha256,
          source: ca.source,
          chainLength: ca.chain.length,
        });
      } else {
        io.stdout(
          `${c.subject}\n  issuer: ${c.issuer}\n  valid: ${c.notBefore.toISOString()} – ${c.notAfter.toISOString()}\n  key: ${c.keyAlgorithm} ${c.keySize}\n  sha256: ${c.sha256}\n  source: ${ca.source}\n`,
        );
      }
      return 0;
    });
  },
});

const install = command({
  name: "ca install",
  options: {
    pfx: value("FILE", { required: true }),
    "password-env": value("VAR"),
    json: flag(),
    ...storeOption,
  },
  notes: "use an existing corporate CA",
  async run({ options }, io) {
    const password = await readSecret(io, {
      flag: "password-env",
      variable: options["password-env"],
      label: "PFX file password",
    });
    const pfx = await readInputFile(options.pfx);
    return withStore(options.store, io, async (store) => {
      const ca = await store.ca.install(pfx, password);
      if (options.json)
        json(io, { ok: true, subject: ca.certificate.subject, certificateSha256: ca.certificate.sha256 });
      else
        io.stdout(`installed ${ca.certificate.subject} as the server CA (the previous one stays trusted)\n`);
      return 0;
    });
  },
});

const crl = command({
  name: "ca crl",
  options: { out: value("FILE", { required: true }), pem: flag(), json: flag(), ...storeOption },
  async run({ options }, io) {
    return withStore(options.store, io, async (store) => {
      const der = await store.ca.crl();
      await writePrivateFile(options.out, options.pem ? toPem(der, "X509 CRL") : der);
      if (options.json) json(io, { ok: true, out: options.out });
      return 0;
    });
  },
});

const issued = command({
  name: "ca issued",
  options: { json: flag(), ...storeOption },
  notes: "every certificate the server CA issued, newest first, with its account and revocation",
  async run({ options }, io) {
    return withStore(options.store, io, async (store) => {
      const records = await store.ca.issuedCertificates();
      if (options.json) json(io, records.map(issuedJson));
      else
        table(
          io,
          ["SERIAL", "ACCOUNT", "ISSUED", "REVOKED"],
          records.map((c) => [
            c.serial,
            c.account ?? "(deleted)",
            new Date(c.issuedAt).toISOString(),
            c.revokedAt === null ? "-" : `${new Date(c.revokedAt).toISOString()} ${c.reason ?? ""}`.trim(),
          ]),
        );
      return 0;
    });
  },
});

const revoke = command({
  name: "ca revoke",
  options: {
    account: value("ADDRESS"),
    serial: value("HEX"),
    sha256: value("HEX"),
    reason: value("REASON", { choices: REVOCATION_REASONS }),
    json: flag(),
    ...storeOption,
  },
  notes:
    "exactly one of --account (its current certificate), --serial, --sha256; the reason defaults to keyCompromise",
  async run({ options }, io) {
    const targets = (["account", "serial", "sha256"] as const).filter((f) => options[f] !== undefined);
    if (targets.length !== 1) throw new UsageError("give exactly one of --account, --serial, --sha256");
    const by = targets[0] as "account" | "serial" | "sha256";
    const target = options[by] as string;
    const reason = (options.reason ?? "keyCompromise") as RevocationReason;
    return withStore(options.store, io, async (store) => {
      const revoked = await store.ca.revokeCertificate(
        by === "account" ? { account: target } : by === "serial" ? { serial: target } : { sha256: target },
        reason,
      );
      if (options.json) json(io, issuedJson(revoked));
      else
        io.stdout(
          `revoked serial ${revoked.serial}${revoked.account ? ` (${revoked.account})` : ""}: ${reason}; the next CRL lists it\n`,
        );
      return 0;
    });
  },
});

export const entry = group("ca", { show, install, crl, issued, revoke });

/** The public JSON shape of an issued certificate (add fields freely, never rename). */
function issuedJson(c: IssuedCertificateRecord) {
  return {
    serial: c.serial,
    sha256: c.sha256,
    account: c.account,
    issuedAt: new Date(c.issuedAt).toISOString(),
    revokedAt: c.revokedAt === null ? null : new Date(c.revokedAt).toISOString(),
    reason: c.reason,
    currentCa: c.currentCa,
  };
}
