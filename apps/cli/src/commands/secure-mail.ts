import { DEFAULT_PFX_FILENAME } from "@sealbox/core";
import type { SecureMailStatus, Store } from "@sealbox/store";
import { command, group } from "../command.js";
import { UsageError } from "../errors.js";
import type { CliIo } from "../io.js";
import { flag, value } from "../options.js";
import { readInputFile } from "../support/files.js";
import { json } from "../support/output.js";
import { readSecret } from "../support/secret.js";
import { storeOption, withStore } from "../support/store.js";
import { writePrivateFile } from "../support/write-private-file.js";

/** Every secure-mail command takes these; without a --…-env flag a terminal prompts. */
const COMMON = { json: flag(), ...storeOption } as const;

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

function printStatus(io: CliIo, asJson: boolean, s: SecureMailStatus): void {
  if (asJson) {
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

const secure = (variable: string | undefined, label = "Secure Mail Password", confirm = false) => ({
  flag: "secure-password-env",
  variable,
  label,
  confirm,
});

const status = command({
  name: "secure-mail status",
  args: "ACCOUNT",
  expect: "one ACCOUNT",
  options: COMMON,
  async run({ options, positionals: [address] }, io) {
    return withStore(options.store, io, async (store) => {
      printStatus(io, options.json, await store.secureMail.status(await accountId(store, address)));
      return 0;
    });
  },
});

const importKey = command({
  name: "secure-mail import",
  args: "ACCOUNT",
  expect: "one ACCOUNT",
  options: {
    pfx: value("FILE", { required: true }),
    "password-env": value("VAR"),
    "secure-password-env": value("VAR2"),
    ...COMMON,
  },
  notes: "VAR2 is the new Secure Mail Password when there is no key yet, the current one when replacing",
  async run({ options, positionals: [address] }, io) {
    const filePassword = await readSecret(io, {
      flag: "password-env",
      variable: options["password-env"],
      label: "PFX file password",
    });
    const securePassword = await readSecret(io, secure(options["secure-password-env"]));
    const pfx = await readInputFile(options.pfx);
    return withStore(options.store, io, async (store) => {
      const result = await store.secureMail.importPfx(
        await accountId(store, address),
        pfx,
        filePassword,
        securePassword,
      );
      printStatus(io, options.json, result);
      return 0;
    });
  },
});

const generate = command({
  name: "secure-mail generate",
  args: "ACCOUNT",
  expect: "one ACCOUNT",
  options: {
    "secure-password-env": value("VAR"),
    key: value("rsa-2048|rsa-3072|rsa-4096|ec-p256"),
    ...COMMON,
  },
  async run({ options, positionals: [address] }, io) {
    const securePassword = await readSecret(io, secure(options["secure-password-env"], undefined, true));
    const keyFlag = options.key;
    const keyAlgorithm =
      keyFlag === undefined
        ? undefined
        : KEY_ALGORITHMS[keyFlag.toLowerCase() as keyof typeof KEY_ALGORITHMS];
    if (keyFlag !== undefined && !keyAlgorithm) throw new UsageError(`unknown --key ${keyFlag}`);
    return withStore(options.store, io, async (store) => {
      const result = await store.secureMail.generate(
        await accountId(store, address),
        securePassword,
        keyAlgorithm ? { keyAlgorithm } : {},
      );
      printStatus(io, options.json, result);
      return 0;
    });
  },
});

const exportKey = command({
  name: "secure-mail export",
  args: "ACCOUNT",
  expect: "one ACCOUNT",
  options: {
    "secure-password-env": value("VAR"),
    out: value("FILE"),
    "file-password-env": value("VAR2"),
    legacy: flag(),
    ...COMMON,
  },
  notes: `--out defaults to ${DEFAULT_PFX_FILENAME}`,
  async run({ options, positionals: [address] }, io) {
    const out = options.out ?? DEFAULT_PFX_FILENAME;
    const securePassword = await readSecret(io, secure(options["secure-password-env"]));
    const filePassword = await readSecret(io, {
      flag: "file-password-env",
      variable: options["file-password-env"],
      label: "Password for the PFX file",
      confirm: true,
    });
    return withStore(options.store, io, async (store) => {
      const pfx = await store.secureMail.exportPfx(
        await accountId(store, address),
        securePassword,
        filePassword,
        { legacy: options.legacy },
      );
      await writePrivateFile(out, pfx);
      if (options.json) json(io, { ok: true, out, legacy: options.legacy });
      else io.stdout(`wrote ${out}\n`);
      return 0;
    });
  },
});

const passwd = command({
  name: "secure-mail passwd",
  args: "ACCOUNT",
  expect: "one ACCOUNT",
  options: {
    "secure-password-env": value("OLD"),
    "new-secure-password-env": value("NEW"),
    ...COMMON,
  },
  async run({ options, positionals: [address] }, io) {
    const oldPassword = await readSecret(
      io,
      secure(options["secure-password-env"], "Current Secure Mail Password"),
    );
    const newPassword = await readSecret(io, {
      flag: "new-secure-password-env",
      variable: options["new-secure-password-env"],
      label: "New Secure Mail Password",
      confirm: true,
    });
    return withStore(options.store, io, async (store) => {
      await store.secureMail.changePassword(await accountId(store, address), oldPassword, newPassword);
      if (options.json) json(io, { ok: true });
      else io.stdout("Secure Mail Password changed (current and earlier keys)\n");
      return 0;
    });
  },
});

/**
 * Renew Key and Certificate: a new key from the server CA under the same Secure Mail Password;
 * the old key stays as an earlier one (old mail opens). Then `message re-encrypt-all` moves a
 * folder's encrypted mail to the new key.
 */
const renew = command({
  name: "secure-mail renew",
  args: "ACCOUNT",
  expect: "one ACCOUNT",
  options: { "secure-password-env": value("VAR"), ...COMMON },
  async run({ options, positionals: [address] }, io) {
    const password = await readSecret(io, secure(options["secure-password-env"], "Secure Mail Password"));
    return withStore(options.store, io, async (store) => {
      const status = await store.secureMail.renew(await accountId(store, address), password);
      if (options.json) json(io, status);
      else
        io.stdout(
          `renewed: new certificate ${status.certificateSha256} until ${status.notAfter}; ` +
            `${status.earlierKeys} earlier key${status.earlierKeys === 1 ? "" : "s"} kept\n`,
        );
      return 0;
    });
  },
});

const remove = command({
  name: "secure-mail remove",
  args: "ACCOUNT",
  expect: "one ACCOUNT",
  options: { pfx: value("FILE", { required: true }), "password-env": value("VAR"), ...COMMON },
  async run({ options, positionals: [address] }, io) {
    const filePassword = await readSecret(io, {
      flag: "password-env",
      variable: options["password-env"],
      label: "PFX file password",
    });
    const pfx = await readInputFile(options.pfx);
    return withStore(options.store, io, async (store) => {
      await store.secureMail.remove(await accountId(store, address), pfx, filePassword);
      if (options.json) json(io, { ok: true });
      else io.stdout("removed the current key and certificate (earlier keys are kept for old mail)\n");
      return 0;
    });
  },
});

/** `sealbox secure-mail status|import|generate|export|passwd|renew|remove`. */
export const entry = group("secure-mail", {
  status,
  import: importKey,
  generate,
  export: exportKey,
  passwd,
  renew,
  remove,
});
