import { readFile, rename, writeFile } from "node:fs/promises";
import { toPem } from "@sealbox/core";
import { flagValue, hasFlag, parseArgs } from "../args.js";
import { AbortError, UsageError } from "../errors.js";
import { readSecret } from "./cli-secret.js";
import { type CliIo, json, processIo, withStore } from "./cli-store.js";

const USAGE = `usage:
  sealbox ca show [--pem] [--json]
  sealbox ca install --pfx FILE --password-env VAR
  sealbox ca crl --out FILE [--pem]
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
        const temp = `${out}.${process.pid}.tmp`;
        await writeFile(temp, hasFlag(args, "pem") ? toPem(der, "X509 CRL") : der);
        await rename(temp, out);
        if (hasFlag(args, "json")) json(io, { ok: true, out });
        return 0;
      });
    }
    default:
      throw new UsageError(USAGE);
  }
}
