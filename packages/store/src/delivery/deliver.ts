import { classifyMessage } from "@sealbox/core";
import { type Account, accountById } from "../accounts/accounts.js";
import { type Executor, type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import type { StoreLogger } from "../logger.js";
import { requireHeader } from "../mail/header-reader.js";
import { ensureMailbox } from "../mail/mailboxes.js";
import { listedSecurity } from "../mail/message-metadata.js";
import { insertMessage, type MessageFlag } from "../mail/messages.js";
import { evaluateRules, type PlannedAction } from "../rules/evaluate-rules.js";
import { rulesForDelivery } from "../rules/rules.js";
import type { SecurityKind } from "../schema.js";

/**
 * Encrypts a complete message for an account (core's whole-message encryption:
 * the original becomes the inner entity; From, To, Cc, Date, Message-ID and — unless the
 * domain hides it — Subject stay outside). `skipped` says why it could not (no current
 * certificate, …); the message is then stored as it came and the reason logged.
 */
export type EncryptForAccount = (
  account: Account,
  raw: Uint8Array,
) => Promise<{ raw: Uint8Array; cipher: string } | { skipped: string }>;

export interface DeliverOptions {
  encryptForAccount?: EncryptForAccount;
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

/** Prepends header lines in the message's own line-ending style; the original bytes follow untouched. */
function prependHeaders(raw: Uint8Array, headers: readonly string[]): Uint8Array {
  if (headers.length === 0) return raw;
  const lf = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 64 * 1024)).indexOf(0x0a);
  const eol = lf > 0 && raw[lf - 1] === 0x0d ? "\r\n" : lf === -1 ? "\r\n" : "\n";
  return Buffer.concat([Buffer.from(headers.map((h) => `${h}${eol}`).join(""), "utf8"), raw]);
}

/** One account's delivery, planned and (where a rule says so) encrypted, ready to be written. */
export interface PreparedDelivery {
  account: Account;
  targets: Target[];
  marks: MessageFlag[];
  /** The message with any Add Header lines. */
  bytes: Uint8Array;
  security: SecurityKind;
  /** The cipher of mail encrypted elsewhere, read from its CMS by core. */
  cipher: string | null;
  encrypted: { raw: Uint8Array; cipher: string | null; security: SecurityKind } | undefined;
  discard: boolean;
  actions: PlannedAction[];
  notes: string[];
}

/**
 * Everything of a delivery that happens before the transaction: the rules (domain, then
 * account, by priority) and the encryption of Store Encrypted copies, which can take a
 * while for 50 MB and must not hold a write lock. Shared by deliver and deliverMany.
 */
export async function prepareDelivery(
  ctx: StoreContext,
  account: Pick<Account, "id">,
  raw: Uint8Array,
  options: DeliverOptions,
): Promise<PreparedDelivery> {
  const logger = options.logger ?? ctx.logger;
  const current = await accountById(ctx.db, account.id);
  if (current.disabled) throw new StoreError("forbidden", `account ${current.address} is disabled`);
  const { fields } = requireHeader(raw);
  const { security, cipher } = listedSecurity(classifyMessage(raw));
  const rules = await rulesForDelivery(ctx.db, current.id, current.domainId);
  const actions = evaluateRules(rules, { headers: fields, size: raw.byteLength, security });
  const { targets, discard, marks, headers } = plan(actions);
  const bytes = prependHeaders(raw, headers);

  const notes: string[] = [];
  let encrypted: PreparedDelivery["encrypted"];
  if (targets.some((t) => t.encrypt)) {
    let skipped: string | undefined;
    if (security === "encrypted" || security === "signed+encrypted") {
      encrypted = { raw: bytes, cipher, security };
    } else if (!current.smimeEnabled) skipped = "S/MIME is off for this account or its domain";
    else if (!options.encryptForAccount) skipped = "no encryption is configured for delivery";
    else {
      const result = await options.encryptForAccount(current, bytes);
      if ("skipped" in result) skipped = result.skipped;
      else if (!(result.raw instanceof Uint8Array) || result.raw.byteLength === 0)
        // Fail closed: never file the plaintext under "encrypted" because a hook misbehaved.
        throw new StoreError("invalid-argument", "encryptForAccount returned no encrypted bytes");
      else
        encrypted = {
          raw: result.raw,
          cipher: result.cipher,
          security: security === "signed" ? "signed+encrypted" : "encrypted",
        };
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
  return {
    account: current,
    targets,
    marks,
    bytes,
    security,
    cipher,
    encrypted,
    discard,
    actions,
    notes,
  };
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
  for (const target of prepared.targets) {
    const mailbox = await ensureMailbox(trx, prepared.account.id, target.mailbox, now);
    const version = target.encrypt ? prepared.encrypted : undefined;
    const summary = await insertMessage(ctx, trx, mailbox.id, version ? version.raw : prepared.bytes, {
      flags: prepared.marks,
      receivedAt: receivedAt ?? now,
      security: version?.security ?? prepared.security,
      cipher: version ? version.cipher : prepared.cipher,
    });
    copies.push({
      mailbox: mailbox.name,
      id: summary.id,
      encrypted: version !== undefined,
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
 */
export function deliverUseCase(ctx: StoreContext) {
  return async function deliver(
    account: Pick<Account, "id">,
    raw: Uint8Array,
    options: DeliverOptions = {},
  ): Promise<DeliveryResult> {
    const prepared = await prepareDelivery(ctx, account, raw, options);
    const stored = await write(ctx, (trx) => writeDelivery(ctx, trx, prepared, options.receivedAt));
    return deliveryResult(options.logger ?? ctx.logger, prepared, stored);
  };
}
