import { readFile } from "node:fs/promises";
import { toPem } from "@sealbox/core";
import { type IssuedCertificateRecord, REVOCATION_REASONS, type RevocationReason } from "@sealbox/store";
import { flagValue, hasFlag, parseArgs } from "../args.js";
import { AbortError, UsageError } from "../errors.js";
import { writePrivateFile } from "../write-private-file.js";
import { readSecret } from "./cli-secret.js";
import { type CliIo, json, processIo, table, withStore } from "./cli-store.js";

const USAGE = `usage:
  sealbox ca show [--pem] [--json]
  sealbox ca install --pfx FILE --password-env VAR
  sealbox ca crl --out FILE [--pem]
  sealbox ca issued [--json]
        (every certificate the server CA issued, newest first, with its account and revocation)
  sealbox ca revoke (--account ADDRESS | --serial HEX | --sha256 HEX) [--reason REASON] [--json]
        (an account's current certificate, or one by serial or fingerprint; REASON: ${REVOCATION_REASONS.join(", ")};
         default keyCompromise)
  (every command takes --store URL; the CA key is sealed under SEALBOX_SECRET or the data folder's server-secret file)`;

/** `sealbox ca show|install|crl`: the server CA that issues users' certificates. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(
    rest,
    {
      store: "string",
      json: "boolean",
      pem: "boolean",
      pfx: "string",
      "password-env": "string",
      out: "string",
      account: "string",
      serial: "string",
      sha256: "string",
      reason: "string",
    },
    USAGE,
  );
  if (args.positionals.length > 0) throw new UsageError(USAGE);
  switch (sub) {
    case "show":
      return withStore(args, USAGE, io, async (store) => {
        const ca = await store.ca.ensure();
        const c = ca.certificate;
        if (hasFlag(args, "pem")) {
          io.stdout([c, ...ca.chain].map((x) => toPem(x.der, "CERTIFICATE")).join(""));
        } else if (hasFlag(args, "json")) {
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
    case "install": {
      const path = flagValue(args, "pfx", USAGE);
      if (!path) throw new UsageError(`--pfx is required\n${USAGE}`);
      const password = await readSecret(args, "password-env", "PFX file password", USAGE, io);
      let pfx: Uint8Array;
      try {
        pfx = await readFile(path);
      } catch (error) {
        throw new AbortError(
          `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
          "io",
        );
      }
      return withStore(args, USAGE, io, async (store) => {
        const ca = await store.ca.install(pfx, password);
        if (hasFlag(args, "json"))
          json(io, { ok: true, subject: ca.certificate.subject, certificateSha256: ca.certificate.sha256 });
        else
          io.stdout(
            `installed ${ca.certificate.subject} as the server CA (the previous one stays trusted)\n`,
          );
        return 0;
      });
    }
    case "crl": {
      const out = flagValue(args, "out", USAGE);
      if (!out) throw new UsageError(`--out is required\n${USAGE}`);
      return withStore(args, USAGE, io, async (store) => {
        const der = await store.ca.crl();
        await writePrivateFile(out, hasFlag(args, "pem") ? toPem(der, "X509 CRL") : der);
        if (hasFlag(args, "json")) json(io, { ok: true, out });
        return 0;
      });
    }
    case "issued":
      return withStore(args, USAGE, io, async (store) => {
        const issued = await store.ca.issuedCertificates();
        if (hasFlag(args, "json")) json(io, issued.map(issuedJson));
        else
          table(
            io,
            ["SERIAL", "ACCOUNT", "ISSUED", "REVOKED"],
            issued.map((c) => [
              c.serial,
              c.account ?? "(deleted)",
              new Date(c.issuedAt).toISOString(),
              c.revokedAt === null ? "-" : `${new Date(c.revokedAt).toISOString()} ${c.reason ?? ""}`.trim(),
            ]),
          );
        return 0;
      });
    case "revoke": {
      const targets = (["account", "serial", "sha256"] as const).filter(
        (f) => flagValue(args, f, USAGE) !== undefined,
      );
      if (targets.length !== 1)
        throw new UsageError(`give exactly one of --account, --serial, --sha256\n${USAGE}`);
      const by = targets[0] as "account" | "serial" | "sha256";
      const value = flagValue(args, by, USAGE) as string;
      const reason = flagValue(args, "reason", USAGE) ?? "keyCompromise";
      if (!REVOCATION_REASONS.includes(reason as RevocationReason))
        throw new UsageError(`--reason takes one of ${REVOCATION_REASONS.join(", ")} (got "${reason}")`);
      return withStore(args, USAGE, io, async (store) => {
        const target =
          by === "account" ? { account: value } : by === "serial" ? { serial: value } : { sha256: value };
        const revoked = await store.ca.revokeCertificate(target, reason as RevocationReason);
        if (hasFlag(args, "json")) json(io, issuedJson(revoked));
        else
          io.stdout(
            `revoked serial ${revoked.serial}${revoked.account ? ` (${revoked.account})` : ""}: ${reason}; the next CRL lists it\n`,
          );
        return 0;
      });
    }
    default:
      throw new UsageError(USAGE);
  }
}

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
