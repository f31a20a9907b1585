import { cipherByName } from "@sealbox/core";
import { flagValue, hasFlag, parseArgs } from "../args.js";
import { UsageError } from "../errors.js";
import { readSecret } from "./cli-secret.js";
import { type CliIo, json, onePositional, processIo, withStore } from "./cli-store.js";

const USAGE = `usage: sealbox send ACCOUNT [--sign] [--encrypt] [--cipher NAME] [--secure-password-env VAR] [--json] [--store URL] < message.eml
  Signs with the account's current key (needs the Secure Mail Password) and/or encrypts to every
  recipient and the sender; stores the Sent copy, delivers to local recipients and queues the rest.`;

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `sealbox send`: the Send, Send Signed and Send Encrypted buttons, for scripts. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const args = parseArgs(
    argv,
    {
      store: "string",
      json: "boolean",
      sign: "boolean",
      encrypt: "boolean",
      cipher: "string",
      "secure-password-env": "string",
    },
    USAGE,
  );
  const address = onePositional(args, "one ACCOUNT", USAGE);
  const cipherFlag = flagValue(args, "cipher", USAGE);
  const cipher = cipherFlag === undefined ? undefined : cipherByName(cipherFlag)?.name;
  if (cipherFlag !== undefined && !cipher) throw new UsageError(`unknown cipher "${cipherFlag}"\n${USAGE}`);
  const sign = hasFlag(args, "sign");
  const securePassword = sign
    ? await readSecret(args, "secure-password-env", "Secure Mail Password", USAGE, io)
    : undefined;
  const raw = await readStdin();
  if (raw.length === 0) throw new UsageError(`no message on standard input\n${USAGE}`);
  return withStore(args, USAGE, io, async (store) => {
    const account = await store.accounts.require(address);
    const result = await store.send(account.id, raw, {
      sign,
      encrypt: hasFlag(args, "encrypt"),
      ...(cipher ? { cipher } : {}),
      ...(securePassword !== undefined ? { securePassword } : {}),
    });
    if (hasFlag(args, "json")) json(io, result);
    else {
      io.stdout(
        `sent (${result.security}${result.cipher ? `, ${result.cipher}` : ""}); Sent copy ${result.sentId}\n`,
      );
      for (const l of result.local) io.stdout(`  delivered to ${l.address}\n`);
      for (const q of result.queued) io.stdout(`  queued for ${q.recipients.join(", ")} (job ${q.jobId})\n`);
    }
    return 0;
  });
}
