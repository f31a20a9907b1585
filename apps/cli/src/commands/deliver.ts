import type { DeliveryResult } from "@sealbox/store";
import { StoreError } from "@sealbox/store";
import { hasFlag, parseArgs } from "../args.js";
import { AbortError, UsageError } from "../errors.js";
import { type CliIo, json, onePositional, processIo, withStore } from "./cli-store.js";

const USAGE = `usage: sealbox deliver ACCOUNT [--json] [--store URL] < message.eml
  Local delivery, like an LDA: runs the domain's and the account's rules and stores the
  message in one transaction; exit 0 only after it is committed.
  Exit codes (sysexits, as mail servers expect): 0 delivered, 65 message refused for good
  (a header block over 256 KB or 1,000 fields: its rules could not be applied), 67 no such
  (or disabled) account, 75 temporary failure (the server keeps the message and tries
  again), 2 usage.`;

const EX_DATAERR = 65;
const EX_NOUSER = 67;
const EX_TEMPFAIL = 75;

/** Limit for one message on stdin: well above the 50 MB messages Sealbox handles. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_MESSAGE_BYTES)
      throw new AbortError(`the message is larger than ${MAX_MESSAGE_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

function report(io: CliIo, result: DeliveryResult): void {
  for (const copy of result.stored)
    io.stdout(
      `delivered to ${copy.mailbox}${copy.encrypted ? ` (encrypted${copy.cipher ? `, ${copy.cipher}` : ""})` : ""} id ${copy.id}\n`,
    );
  if (result.discarded)
    io.stdout(
      `discarded by rule ${[...new Set(result.actions.filter((a) => a.action === "Discard").map((a) => `"${a.rule}"`))].join(", ")}\n`,
    );
}

/** `sealbox deliver ACCOUNT < message.eml`. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const args = parseArgs(argv, { store: "string", json: "boolean" }, USAGE);
  const address = onePositional(args, "one ACCOUNT", USAGE);
  if (process.stdin.isTTY)
    throw new UsageError(`the message comes on stdin (sealbox deliver ${address} < message.eml)`);
  const raw = await readStdin();
  if (raw.length === 0) throw new UsageError("stdin was empty: no message to deliver");
  try {
    return await withStore(args, USAGE, io, async (store) => {
      const account = await store.accounts.get(address).catch((error: unknown) => {
        if (error instanceof StoreError && error.code === "invalid-argument") return undefined;
        throw error;
      });
      if (!account) {
        io.stderr(`sealbox: no account ${address}\n`);
        return EX_NOUSER;
      }
      let result: DeliveryResult;
      try {
        result = await store.deliver(account, raw);
      } catch (error) {
        if (error instanceof StoreError && error.code === "forbidden") {
          io.stderr(`sealbox: ${error.message}\n`);
          return EX_NOUSER;
        }
        if (error instanceof StoreError && error.field === "header") {
          io.stderr(`sealbox: ${error.message}\n`);
          return EX_DATAERR;
        }
        throw error;
      }
      if (hasFlag(args, "json")) json(io, result);
      else report(io, result);
      return 0;
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // Anything else (database busy or down, disk full) is temporary for the mail server:
    // it keeps the message and retries, so nothing is lost.
    io.stderr(
      `sealbox: delivery failed, try again later: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return EX_TEMPFAIL;
  }
}
