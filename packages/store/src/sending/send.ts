import { randomUUID } from "node:crypto";
import {
  type Certificate,
  type CipherName,
  cipherByName,
  type HeaderField,
  parseAddressList,
  protectMessageStream,
} from "@sealbox/core";
import { accountById, accountIdByAddress } from "../accounts/accounts.js";
import type { StoreContext } from "../context.js";
import { CopyAllowance, type CopyContent, discardCopies, materializeCopy } from "../delivery/copy-content.js";
import type { DeliverManyOptions, DeliverManyResult } from "../delivery/deliver-many.js";
import { domainById } from "../domains/domains.js";
import { StoreError } from "../errors.js";
import { incomingMessage, type MessageSource } from "../mail/incoming-message.js";
import { ensureMailbox } from "../mail/mailboxes.js";
import { type AppendOptions, insertMessage, insertMessageForBlob } from "../mail/messages.js";
import type { SecureMail } from "../secure-mail/secure-mail.js";
import type { KeyAccess } from "../secure-mail/unlock-sessions.js";
import { type CertificateSources, recipientCertificate } from "./recipient-certificates.js";

export interface SendOptions {
  sign?: boolean;
  encrypt?: boolean;
  /** Default: the account's Encryption Method. */
  cipher?: CipherName;
  /** Needed to sign: the Secure Mail Password or an unlocked session (opens the current key). */
  securePassword?: KeyAccess;
}

export interface SendResult {
  sentId: string;
  local: Array<{ address: string; stored: number }>;
  queued: Array<{ jobId: string; recipients: string[] }>;
  security: "plain" | "signed" | "encrypted" | "signed+encrypted";
  cipher: CipherName | null;
}

export interface SendDeps {
  secureMail: SecureMail;
  certificates: CertificateSources;
  /** Local copies, the outgoing job and `alsoWrite` in ONE transaction (store.deliverMany). */
  deliverMany(
    accounts: Array<{ id: string }>,
    raw: Uint8Array | MessageSource,
    options: DeliverManyOptions,
  ): Promise<DeliverManyResult>;
}

/**
 * Sending: signs with the current key and/or encrypts to every
 * recipient plus the sender (so Sent stays readable); Bcc recipients each get their own
 * copy (encrypted to them and the sender only), so no one learns of them; the Sent copy is
 * stored; local recipients get it through `deliver`, the rest go on the outgoing queue.
 *
 * The message may come as bytes (Compose) or as a source read in chunks (`sealbox send`'s
 * spooled stdin): only its header block is parsed, and each distinct copy (signed and/or
 * encrypted, or without Bcc) is streamed once — into memory when small, else into a staged
 * blob that the Sent copy then owns and the local deliveries and the outgoing job read — so a
 * 64 MiB message is never one buffer.
 */
export function sendUseCase(ctx: StoreContext, deps: SendDeps) {
  return async function send(
    accountId: string,
    raw: Uint8Array | MessageSource,
    options: SendOptions = {},
  ): Promise<SendResult> {
    const account = await accountById(ctx.db, accountId);
    if (account.disabled) throw new StoreError("forbidden", `account ${account.address} is disabled`);
    if ((options.sign || options.encrypt) && !account.smimeEnabled) {
      throw new StoreError("forbidden", "S/MIME is switched off for this account or its domain");
    }
    const cipher = options.cipher ?? account.encryptionMethod;
    if (!cipherByName(cipher)) throw new StoreError("invalid-argument", `unknown cipher ${cipher}`);
    const domain = options.encrypt ? await domainById(ctx.db, account.domainId) : undefined;
    if (domain && options.cipher !== undefined) {
      // The domain's allowed ciphers bind an explicit choice too.
      const { allowedCiphers } = domain;
      if (!allowedCiphers.includes(options.cipher))
        throw new StoreError(
          "forbidden",
          `${options.cipher} is not allowed in ${account.domain} (allowed: ${allowedCiphers.join(", ")})`,
        );
    }

    const message = incomingMessage(raw);
    const { fields } = message.header;
    const added = dateAndMessageId(fields, account.domain, ctx.now());
    // An mbox "From " line in front (a piped mbox extract, `git format-patch`) is not part of
    // the message: every copy starts at the first header field.
    const fieldBytes = fields.reduce((n, f) => n + f.raw.byteLength, 0);
    const front = message.header.fieldsEnd - fieldBytes;
    const prepared = () => prefixed(added, skipBytes(message.open(), front));
    const preparedSize = message.size - front + added.byteLength;
    const addresses = (name: string) =>
      fields
        .filter((f) => f.name.toLowerCase() === name.toLowerCase())
        .flatMap((f) => parseAddressList(f.value).map((a) => a.address))
        .filter((a) => a.includes("@"));
    const visible = unique([...addresses("To"), ...addresses("Cc")]);
    // Addresses compare case-insensitively: "Bob@x" in To and "bob@x" in Bcc is one recipient, who gets one copy.
    const visibleLower = new Set(visible.map((a) => a.toLowerCase()));
    const bcc = unique(addresses("Bcc")).filter((a) => !visibleLower.has(a.toLowerCase()));
    if (visible.length + bcc.length === 0)
      throw new StoreError("invalid-argument", "the message has no recipients (To, Cc or Bcc)");

    const identity = options.sign ? await signingIdentity(accountId, options.securePassword) : undefined;
    let encryptTo: Map<string, Certificate> | undefined;
    let senderCert: Certificate | undefined;
    if (options.encrypt) {
      senderCert = (await deps.secureMail.currentCertificate(accountId))?.certificate;
      if (!senderCert)
        throw new StoreError(
          "no-key",
          "encrypting needs your own certificate, so the Sent copy stays readable",
        );
      encryptTo = new Map();
      const missing: string[] = [];
      for (const address of [...visible, ...bcc]) {
        const found = await recipientCertificate(ctx, deps.certificates, accountId, address);
        if (found.ok) encryptTo.set(address, found.certificate);
        else missing.push(`${address} (${found.reason})`);
      }
      if (missing.length > 0) {
        throw new StoreError(
          "missing-certificates",
          `cannot encrypt: no usable certificate for ${missing.join(", ")}`,
        );
      }
    }

    /** One distinct copy, streamed once: into memory (up to a blob chunk, within the allowance) or a staged blob. */
    const allowance = new CopyAllowance();
    const protect = (recipients: string[]): Promise<CopyContent> =>
      materializeCopy(
        ctx,
        options.sign || options.encrypt
          ? protectMessageStream(prepared(), {
              ...(identity ? { sign: { identity } } : {}),
              ...(encryptTo && senderCert
                ? {
                    encrypt: {
                      recipients: [...recipients.map((r) => encryptTo?.get(r) as Certificate), senderCert],
                      cipher,
                    },
                    // The domain's Hide Subject: the outer Subject reads "[...]", the encrypted one is real.
                    hideSubject: domain?.hideSubjectWhenEncrypting ?? false,
                  }
                : {}),
            })
          : withoutBcc(added, fields, message.header.fieldsEnd, front, message.open()),
        preparedSize,
        allowance,
      );
    const security = options.encrypt
      ? options.sign
        ? "signed+encrypted"
        : "encrypted"
      : options.sign
        ? "signed"
        : "plain";

    const result: SendResult = {
      sentId: "",
      local: [],
      queued: [],
      security,
      cipher: options.encrypt ? cipher : null,
    };
    /**
     * One transaction per distinct copy: the local recipients' copies, the job for the remote
     * ones and (for the main copy) the sender's Sent copy commit together or not at all.
     */
    /** What each route delivered and queued; the result lists the main copy's first. */
    const routed: Array<{ main: boolean; local: SendResult["local"]; queued: SendResult["queued"] }> = [];
    const route = async (recipients: string[], copy: CopyContent, withSentCopy: boolean) => {
      const done = {
        main: withSentCopy,
        local: [] as SendResult["local"],
        queued: [] as SendResult["queued"],
      };
      routed.push(done);
      const local: Array<{ id: string; address: string }> = [];
      const remote: string[] = [];
      for (const address of recipients) {
        const id = await accountIdByAddress(ctx.db, address.toLowerCase());
        if (id) local.push({ id, address });
        else remote.push(address);
      }
      const bytes = copy.kind === "bytes" ? copy.bytes : undefined;
      const source: Uint8Array | MessageSource =
        copy.kind === "bytes"
          ? copy.bytes
          : { head: copy.head, size: copy.size, open: () => ctx.blobs.read(ctx.db, copy.blobId) };
      const delivered = await deps.deliverMany(local, source, {
        ...(remote.length > 0
          ? {
              // A staged copy is streamed into a blob of the job's own (deliverMany's queue).
              queue: {
                message: {
                  envelopeFrom: account.fromAddress,
                  recipients: remote,
                  accountId,
                  ...(bytes ? { raw: bytes } : {}),
                },
              },
            }
          : {}),
        ...(withSentCopy
          ? {
              alsoWrite: async (trx) => {
                const mailbox = await ensureMailbox(trx, accountId, "Sent", ctx.now());
                const listed: AppendOptions = {
                  flags: ["seen"],
                  security,
                  cipher: options.encrypt ? cipher : null,
                };
                let sent: { id: string };
                if (copy.kind === "bytes")
                  sent = await insertMessage(ctx, trx, mailbox.id, copy.bytes, listed);
                else {
                  // The staged copy becomes the Sent copy's blob: claimed, not copied.
                  await ctx.blobs.claim(trx, [copy.blobId]);
                  sent = await insertMessageForBlob(
                    ctx,
                    trx,
                    mailbox.id,
                    { id: copy.blobId, size: copy.size },
                    copy.head,
                    listed,
                  );
                }
                result.sentId = sent.id;
              },
            }
          : {}),
      });
      for (const [i, d] of delivered.deliveries.entries()) {
        done.local.push({ address: local[i]?.address ?? d.address, stored: d.result.stored.length });
      }
      if (delivered.queued) done.queued.push({ jobId: delivered.queued.id, recipients: remote });
    };
    // A staged copy no commit took (a failure, or a Bcc copy: deliveries read it, none owns it)
    // goes. The Bcc recipients come first: a plain one reads the main copy, which is still ours
    // until the Sent copy claims it last (after that the user could already replace or delete it).
    const main = await protect(visible);
    try {
      for (const address of bcc) {
        if (!options.encrypt) {
          await route([address], main, false);
          continue;
        }
        const own = await protect([address]);
        try {
          await route([address], own, false);
        } finally {
          await discardCopies(ctx, [own]);
        }
      }
      await route(visible, main, true);
    } catch (error) {
      await discardCopies(ctx, [main]);
      throw error;
    }
    for (const r of [...routed.filter((r) => r.main), ...routed.filter((r) => !r.main)]) {
      result.local.push(...r.local);
      result.queued.push(...r.queued);
    }
    return result;
  };

  async function signingIdentity(accountId: string, password: KeyAccess | undefined) {
    if (password === undefined)
      throw new StoreError("invalid-argument", "signing needs the Secure Mail Password");
    const current = await deps.secureMail.currentCertificate(accountId);
    if (!current)
      throw new StoreError("no-key", "signing needs a Secure Mail key; import or generate one first");
    const [identity] = await deps.secureMail.identities(accountId, password);
    if (!identity || identity.certificate.sha256 !== current.certificate.sha256) {
      throw new StoreError("no-key", "the current Secure Mail key could not be opened");
    }
    return identity;
  }
}

function unique(addresses: string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    const k = a.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A mature client adds Date and Message-ID when the draft has none (RFC 5322 §3.6): the lines to put in front. */
function dateAndMessageId(fields: readonly HeaderField[], domain: string, now: number): Uint8Array {
  const has = (name: string) => fields.some((f) => f.name.toLowerCase() === name);
  const add: string[] = [];
  if (!has("date")) add.push(`Date: ${new Date(now).toUTCString().replace("GMT", "+0000")}`);
  if (!has("message-id")) add.push(`Message-ID: <${randomUUID()}@${domain}>`);
  return add.length === 0 ? new Uint8Array(0) : Buffer.from(`${add.join("\r\n")}\r\n`);
}

async function* prefixed(prefix: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (prefix.byteLength > 0) yield prefix;
  yield* rest;
}

/**
 * The copy that travels never carries Bcc (RFC 5322 §3.6.3): the added lines, the header
 * fields but Bcc, then the message from the end of its fields on (blank line and body) as it
 * streams. Without a Bcc field, the message from its first field (`front` skips an mbox line).
 */
async function* withoutBcc(
  added: Uint8Array,
  fields: readonly HeaderField[],
  fieldsEnd: number,
  front: number,
  message: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (added.byteLength > 0) yield added;
  if (!fields.some((f) => f.name.toLowerCase() === "bcc")) {
    yield* skipBytes(message, front);
    return;
  }
  for (const f of fields) if (f.name.toLowerCase() !== "bcc") yield f.raw;
  yield* skipBytes(message, fieldsEnd);
}

/** The stream without its first `count` bytes. */
async function* skipBytes(stream: AsyncIterable<Uint8Array>, count: number): AsyncGenerator<Uint8Array> {
  let skip = count;
  for await (const chunk of stream) {
    if (skip >= chunk.byteLength) {
      skip -= chunk.byteLength;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}
