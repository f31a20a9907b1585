import type { MimeEntity } from "@sealbox/core";
import { type Account, accountById } from "../accounts/accounts.js";
import { type Executor, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import type { StoreLogger } from "../logger.js";
import { type HeaderField, readHeader } from "../mail/header-reader.js";
import { type IncomingMessage, incomingMessage, type MessageSource } from "../mail/incoming-message.js";
import { ensureMailbox } from "../mail/mailboxes.js";
import { listedSecurity, metadataFromFields } from "../mail/message-metadata.js";
import { insertMessageRow, type MessageFlag } from "../mail/messages.js";
import { evaluateRules, type PlannedAction } from "../rules/evaluate-rules.js";
import { rulesForDelivery } from "../rules/rules.js";
import type { SecurityKind } from "../schema.js";
import { CopyAllowance, type CopyContent, copySize, discardCopies, materializeCopy } from "./copy-content.js";

/**
 * Encrypts a complete message for an account (core's whole-message encryption:
 * the original becomes the inner entity; From, To, Cc, Date, Message-ID and — unless the
 * domain hides it — Subject stay outside). The message comes as a stream of `size` bytes and
 * the envelope goes out as one (`stream`), so a 64 MiB message is never held whole; `raw`
 * is accepted from hooks that produce bytes. `skipped` says why it could not (no current
 * certificate, …); the message is then stored as it came and the reason logged.
 */
export type EncryptForAccount = (
  account: Account,
  message: AsyncIterable<Uint8Array>,
  size: number,
  /** Core's parse of the header block `message` starts with, when delivery has it: not to be parsed again. */
  header?: MimeEntity,
) => Promise<
  | { stream: AsyncIterable<Uint8Array>; cipher: string }
  | { raw: Uint8Array; cipher: string }
  | { skipped: string }
>;

export interface DeliverOptions {
  logger?: StoreLogger;
  /** Arrival time (default: the store's clock). */
  receivedAt?: number;
}

export interface StoredCopy {
  mailbox: string;
  id: string;
  encrypted: boolean;
  cipher: string | null;
  security: SecurityKind;
}

export interface DeliveryResult {
  stored: StoredCopy[];
  /** Rules discarded the message and nothing stored it. */
  discarded: boolean;
  actions: PlannedAction[];
  /** Why a Store Encrypted copy was stored as it came (never message content). */
  notes: string[];
}

export interface Target {
  mailbox: string;
  encrypt: boolean;
}

function plan(actions: readonly PlannedAction[]) {
  const targets = new Map<string, Target>();
  let discard = false;
  const marks = new Set<MessageFlag>();
  const headers: string[] = [];
  for (const a of actions) {
    const arg = a.argument ?? "";
    if (a.action === "Store in")
      targets.set(arg, { mailbox: arg, encrypt: targets.get(arg)?.encrypt ?? false });
    // A mailbox some rule wants encrypted never also gets a plaintext copy.
    else if (a.action === "Store Encrypted in") targets.set(arg, { mailbox: arg, encrypt: true });
    else if (a.action === "Discard") discard = true;
    else if (a.action === "Mark") for (const m of arg.split(",")) marks.add(m.trim() as MessageFlag);
    else if (a.action === "Add Header") headers.push(arg);
  }
  // The implicit keep: a message no storing action took, and no Discard, goes to INBOX once.
  if (targets.size === 0 && !discard) targets.set("INBOX", { mailbox: "INBOX", encrypt: false });
  return { targets: [...targets.values()], discard, marks: [...marks], headers };
}

/** Header lines in the message's own line-ending style, to go in front of its untouched bytes. */
function addedHeaderBytes(head: Uint8Array, headers: readonly string[]): Uint8Array {
  if (headers.length === 0) return new Uint8Array(0);
  const lf = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 64 * 1024)).indexOf(0x0a);
  const eol = lf > 0 && head[lf - 1] === 0x0d ? "\r\n" : lf === -1 ? "\r\n" : "\n";
  return Buffer.from(headers.map((h) => `${h}${eol}`).join(""), "utf8");
}

async function* prefixed(prefix: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (prefix.byteLength > 0) yield prefix;
  yield* rest;
}

/** One stored version of the message (the plain one, or one account's encrypted one). */
interface Version {
  content: CopyContent;
  security: SecurityKind;
  cipher: string | null;
  /** Stored encrypted for a Store Encrypted rule (by us, or as it came). */
  encrypted: boolean;
  /** The copy's header fields when known without parsing (the plain copy); else read from its head. */
  fields: readonly HeaderField[] | undefined;
}

/** One account's delivery, planned and (where a rule says so) encrypted, ready to be written. */
export interface PreparedDelivery {
  account: Account;
  targets: Target[];
  marks: MessageFlag[];
  /** One content per target, in target order (each copy its own blob: Encrypt in place replaces one alone). */
  copies: Version[];
  discard: boolean;
  actions: PlannedAction[];
  notes: string[];
}

/**
 * Everything of a delivery that happens before the transaction: the rules (domain, then
 * account, by priority) on the header block parsed once, then each copy streamed from the
 * source — plain, or through the Store Encrypted encryptor — into memory (small) or a staged
 * blob (large, or once the delivery's `allowance` for small copies is used up), one copy after
 * another, so memory is bounded by that allowance plus a chunk per copy in flight, never by the
 * message size or the number of recipients, and no write lock is held while 50 MB are
 * encrypted. Shared by deliver and deliverMany. On failure the copies staged so far are discarded.
 */
export async function prepareDelivery(
  ctx: StoreContext,
  account: Pick<Account, "id">,
  message: IncomingMessage,
  options: DeliverOptions,
  encryptForAccount: EncryptForAccount | undefined,
  allowance: CopyAllowance = new CopyAllowance(),
): Promise<PreparedDelivery> {
  const logger = options.logger ?? ctx.logger;
  // Side by side: one round trip on PostgreSQL's pool (the rules find the domain themselves).
  const [current, rules] = await Promise.all([
    accountById(ctx.db, account.id),
    rulesForDelivery(ctx.db, account.id),
  ]);
  if (current.disabled) throw new StoreError("forbidden", `account ${current.address} is disabled`);
  const { fields } = message.header;
  const { security, cipher } = listedSecurity(message.classification);
  const actions = evaluateRules(rules, { headers: fields, size: message.size, security });
  const { targets, discard, marks, headers } = plan(actions);
  const added = addedHeaderBytes(message.head, headers);
  const plainSize = message.size + added.byteLength;
  const plainStream = () => prefixed(added, message.open());
  // The encryptor reuses the rules' parse when the copy starts with that very header block.
  const parsedHead = added.byteLength === 0 && message.header.start === 0 ? message.header.entity : undefined;

  const notes: string[] = [];
  type HookResult = Awaited<ReturnType<EncryptForAccount>>;
  let firstResult: HookResult | undefined;
  let encrypting = false;
  let alreadyEncrypted = false;
  if (targets.some((t) => t.encrypt)) {
    let skipped: string | undefined;
    if (security === "encrypted" || security === "signed+encrypted") alreadyEncrypted = true;
    else if (!current.smimeEnabled) skipped = "S/MIME is off for this account or its domain";
    else if (!encryptForAccount) skipped = "no encryption is configured for delivery";
    else {
      firstResult = await encryptForAccount(current, plainStream(), plainSize, parsedHead);
      if ("skipped" in firstResult) skipped = firstResult.skipped;
      else encrypting = true;
    }
    if (skipped) {
      notes.push(`stored unencrypted: ${skipped}`);
      logger.warn(
        {
          account: current.address,
          mailboxes: targets.filter((t) => t.encrypt).map((t) => t.mailbox),
          reason: skipped,
        },
        "Store Encrypted: stored unencrypted",
      );
    }
  }
  // Added header lines are parsed on their own; the message's header block is not parsed again.
  const plainFields = added.byteLength > 0 ? [...readHeader(added).fields, ...fields] : fields;
  /** One encrypted copy: the hook's first answer, then a fresh encryption (own key) for any further one. */
  const encryptCopy = async (): Promise<Version> => {
    const result = firstResult ?? (await encryptForAccount?.(current, plainStream(), plainSize, parsedHead));
    firstResult = undefined;
    if (!result || "skipped" in result)
      throw new StoreError("invalid-argument", "encryptForAccount refused a further copy");
    const output = "stream" in result ? result.stream : "raw" in result ? [result.raw] : undefined;
    return {
      content: await materializeCopy(ctx, failClosed(output), plainSize, allowance),
      security: security === "signed" ? "signed+encrypted" : "encrypted",
      cipher: result.cipher,
      encrypted: true,
      fields: undefined,
    };
  };
  const copies: Version[] = [];
  try {
    for (const target of targets) {
      if (target.encrypt && encrypting) copies.push(await encryptCopy());
      else
        copies.push({
          content: await materializeCopy(ctx, plainStream(), plainSize, allowance),
          security,
          cipher,
          encrypted: target.encrypt && alreadyEncrypted,
          fields: plainFields,
        });
    }
  } catch (error) {
    await discardCopies(
      ctx,
      copies.map((c) => c.content),
    );
    throw error;
  }
  return { account: current, targets, marks, copies, discard, actions, notes };
}

/** Fail closed: never file the plaintext under "encrypted" because a hook misbehaved. */
async function* failClosed(output: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | undefined) {
  if (!output) throw new StoreError("invalid-argument", "encryptForAccount returned no encrypted bytes");
  let any = false;
  for await (const part of output) {
    if (!(part instanceof Uint8Array))
      throw new StoreError("invalid-argument", "encryptForAccount returned no encrypted bytes");
    if (part.byteLength > 0) any = true;
    yield part;
  }
  if (!any) throw new StoreError("invalid-argument", "encryptForAccount returned no encrypted bytes");
}

/** Writes a prepared delivery's copies inside the caller's transaction. */
export async function writeDelivery(
  ctx: StoreContext,
  trx: Executor,
  prepared: PreparedDelivery,
  receivedAt: number | undefined,
): Promise<StoredCopy[]> {
  const now = ctx.now();
  const copies: StoredCopy[] = [];
  for (const [i, target] of prepared.targets.entries()) {
    const version = prepared.copies[i] as Version;
    const mailbox = await ensureMailbox(trx, prepared.account.id, target.mailbox, now);
    const { content } = version;
    const blobId = content.kind === "bytes" ? await ctx.blobs.put(trx, content.bytes, now) : content.blobId;
    if (content.kind === "staged") await ctx.blobs.claim(trx, [content.blobId]);
    const fields = version.fields ?? readHeader(content.head).fields;
    const meta = metadataFromFields(fields, copySize(content), receivedAt ?? now, version);
    const summary = await insertMessageRow(ctx, trx, mailbox.id, blobId, meta, {
      flags: prepared.marks,
      receivedAt: receivedAt ?? now,
      security: version.security,
      cipher: version.cipher,
    });
    copies.push({
      mailbox: mailbox.name,
      id: summary.id,
      encrypted: version.encrypted,
      cipher: summary.cipher,
      security: summary.security,
    });
  }
  return copies;
}

/** Logs a committed delivery (addresses, mailboxes and rule names only) and builds its result. */
export function deliveryResult(
  logger: StoreLogger,
  prepared: PreparedDelivery,
  stored: StoredCopy[],
): DeliveryResult {
  logger.info(
    {
      account: prepared.account.address,
      stored: stored.map((s) => s.mailbox),
      rules: [...new Set(prepared.actions.map((a) => a.rule))],
    },
    stored.length === 0 ? "discarded by rule" : "delivered",
  );
  return {
    stored,
    discarded: prepared.discard && stored.length === 0,
    actions: prepared.actions,
    notes: prepared.notes,
  };
}

/**
 * Local delivery: domain rules, then account rules, by priority; the
 * copies are written in ONE transaction, so a crash stores all of them or none, and a
 * caller (the SMTP listener, `sealbox deliver`) reports success only after the commit.
 * Encryption runs before the transaction (it can take a while for 50 MB) and the
 * plaintext is never written for a Store Encrypted copy that could be encrypted. Mail is
 * never dropped for want of a key: the copy is stored as it came and the reason logged.
 * `encryptForAccount` is the store's Store Encrypted encryptor, given when it was opened.
 */
export function deliverUseCase(ctx: StoreContext, encryptForAccount: EncryptForAccount | undefined) {
  return async function deliver(
    account: Pick<Account, "id">,
    raw: Uint8Array | MessageSource,
    options: DeliverOptions = {},
  ): Promise<DeliveryResult> {
    const prepared = await prepareDelivery(ctx, account, incomingMessage(raw), options, encryptForAccount);
    let stored: StoredCopy[];
    try {
      stored = await write(ctx, (trx) => writeDelivery(ctx, trx, prepared, options.receivedAt));
    } catch (error) {
      await discardCopies(
        ctx,
        prepared.copies.map((c) => c.content),
      );
      throw error;
    }
    return deliveryResult(options.logger ?? ctx.logger, prepared, stored);
  };
}
