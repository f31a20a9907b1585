import { readFile } from "node:fs/promises";
import { DEFAULT_PFX_FILENAME } from "@sealbox/core";
import type { SecureMailStatus, Store } from "@sealbox/store";
import { flagValue, hasFlag, type ParsedArgs, parseArgs } from "../args.js";
import { AbortError, UsageError } from "../errors.js";
import { writePrivateFile } from "../write-private-file.js";
import { readSecret } from "./cli-secret.js";
import { type CliIo, json, onePositional, processIo, withStore } from "./cli-store.js";

const USAGE = `usage:
  sealbox secure-mail status ACCOUNT [--json]
  sealbox secure-mail import ACCOUNT --pfx FILE --password-env VAR --secure-password-env VAR2
  sealbox secure-mail generate ACCOUNT --secure-password-env VAR [--key rsa-2048|rsa-3072|rsa-4096|ec-p256]
  sealbox secure-mail export ACCOUNT --secure-password-env VAR --out FILE --file-password-env VAR2 [--legacy]
  sealbox secure-mail passwd ACCOUNT --secure-password-env OLD --new-secure-password-env NEW
  sealbox secure-mail remove ACCOUNT --pfx FILE --password-env VAR
  (VAR2 of import is the new Secure Mail Password when there is no key yet, the current one when replacing;
   every command takes --store URL and --json; without a --…-env flag a terminal prompts)`;

const KEY_ALGORITHMS = {
  "rsa-2048": "RSA-2048",
  "rsa-3072": "RSA-3072",
  "rsa-4096": "RSA-4096",
  "ec-p256": "EC-P256",
} as const;

/** The public JSON shape of `secure-mail status`: add fields freely, never rename. */
function statusJson(s: SecureMailStatus) {
  if (!s.hasKey) return { hasKey: false, earlierKeys: s.earlierKeys };
  return {
    hasKey: true,
    email: s.email,
    certificateSha256: s.certificateSha256,
    notAfter: s.notAfter,
    keyAlgorithm: s.keyAlgorithm,
    keySize: s.keySize,
    earlierKeys: s.earlierKeys,
    emails: s.emails,
    name: s.name,
    subject: s.subject,
    issuer: s.issuer,
    serial: s.serial,
    notBefore: s.notBefore,
  };
}

function printStatus(io: CliIo, args: ParsedArgs, s: SecureMailStatus): void {
  if (hasFlag(args, "json")) {
    json(io, statusJson(s));
    return;
  }
  if (!s.hasKey) {
    io.stdout(
      `no Secure Mail key${s.earlierKeys ? ` (${s.earlierKeys} earlier key(s) kept for old mail)` : ""}\n`,
    );
    return;
  }
  io.stdout(
    `${s.name ?? ""} <${s.email}>\n  issuer: ${s.issuer}\n  valid until: ${s.notAfter}\n  key: ${s.keyAlgorithm} ${s.keySize}\n  sha256: ${s.certificateSha256}\n  earlier keys: ${s.earlierKeys}\n`,
  );
}

async function accountId(store: Store, address: string): Promise<string> {
  return (await store.accounts.require(address)).id;
}

async function readInput(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new AbortError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      "io",
    );
  }
}

/** `sealbox secure-mail status|import|generate|export|passwd|remove`. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  const spec = {
    store: "string",
    json: "boolean",
    pfx: "string",
    "password-env": "string",
    "secure-password-env": "string",
    "new-secure-password-env": "string",
    "file-password-env": "string",
    out: "string",
    legacy: "boolean",
    key: "string",
  } as const;
  const args = parseArgs(rest, spec, USAGE);
  const address = onePositional(args, "one ACCOUNT", USAGE);

  switch (sub) {
    case "status":
      return withStore(args, USAGE, io, async (store) => {
        printStatus(io, args, await store.secureMail.status(await accountId(store, address)));
        return 0;
      });

    case "import": {
      const pfxPath = requireFlag(args, "pfx");
      const filePassword = await readSecret(args, "password-env", "PFX file password", USAGE, io);
      const securePassword = await readSecret(args, "secure-password-env", "Secure Mail Password", USAGE, io);
      const pfx = await readInput(pfxPath);
      return withStore(args, USAGE, io, async (store) => {
        const status = await store.secureMail.importPfx(
          await accountId(store, address),
          pfx,
          filePassword,
          securePassword,
        );
        printStatus(io, args, status);
        return 0;
      });
    }

    case "generate": {
      const securePassword = await readSecret(
        args,
        "secure-password-env",
        "Secure Mail Password",
        USAGE,
        io,
        { confirm: true },
      );
      const keyFlag = flagValue(args, "key", USAGE);
      const keyAlgorithm =
        keyFlag === undefined
          ? undefined
          : KEY_ALGORITHMS[keyFlag.toLowerCase() as keyof typeof KEY_ALGORITHMS];
      if (keyFlag !== undefined && !keyAlgorithm) throw new UsageError(`unknown --key ${keyFlag}\n${USAGE}`);
      return withStore(args, USAGE, io, async (store) => {
        const status = await store.secureMail.generate(
          await accountId(store, address),
          securePassword,
          keyAlgorithm ? { keyAlgorithm } : {},
        );
        printStatus(io, args, status);
        return 0;
      });
    }

    case "export": {
      const out = flagValue(args, "out", USAGE) ?? DEFAULT_PFX_FILENAME;
      const securePassword = await readSecret(args, "secure-password-env", "Secure Mail Password", USAGE, io);
      const filePassword = await readSecret(
        args,
        "file-password-env",
        "Password for the PFX file",
        USAGE,
        io,
        { confirm: true },
      );
      return withStore(args, USAGE, io, async (store) => {
        const pfx = await store.secureMail.exportPfx(
          await accountId(store, address),
          securePassword,
          filePassword,
          {
            legacy: hasFlag(args, "legacy"),
          },
        );
        await writePrivateFile(out, pfx);
        if (hasFlag(args, "json")) json(io, { ok: true, out, legacy: hasFlag(args, "legacy") });
        else io.stdout(`wrote ${out}\n`);
        return 0;
      });
    }

    case "passwd": {
      const oldPassword = await readSecret(
        args,
        "secure-password-env",
        "Current Secure Mail Password",
        USAGE,
        io,
      );
      const newPassword = await readSecret(
        args,
        "new-secure-password-env",
        "New Secure Mail Password",
        USAGE,
        io,
        { confirm: true },
      );
      return withStore(args, USAGE, io, async (store) => {
        await store.secureMail.changePassword(await accountId(store, address), oldPassword, newPassword);
        if (hasFlag(args, "json")) json(io, { ok: true });
        else io.stdout("Secure Mail Password changed (current and earlier keys)\n");
        return 0;
      });
    }

    case "remove": {
      const pfxPath = requireFlag(args, "pfx");
      const filePassword = await readSecret(args, "password-env", "PFX file password", USAGE, io);
      const pfx = await readInput(pfxPath);
      return withStore(args, USAGE, io, async (store) => {
        await store.secureMail.remove(await accountId(store, address), pfx, filePassword);
        if (hasFlag(args, "json")) json(io, { ok: true });
        else io.stdout("removed the current key and certificate (earlier keys are kept for old mail)\n");
        return 0;
      });
    }

    default:
      throw new UsageError(USAGE);
  }

  function requireFlag(parsed: ParsedArgs, name: string): string {
    const value = flagValue(parsed, name, USAGE);
    if (value === undefined) throw new UsageError(`--${name} is required\n${USAGE}`);
    return value;
  }
}
