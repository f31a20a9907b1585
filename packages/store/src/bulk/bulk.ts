import type { Identity } from "@sealbox/core";
import { type StoreContext, write } from "../context.js";
import { StoreError } from "../errors.js";
import { mailboxById } from "../mail/mailboxes.js";
import { messagesOfSecurity, securityInMailbox } from "../mail/messages.js";
import type { SecurityKind } from "../schema.js";
import type { KeySource, MessageCryptoOps } from "../secure-mail/message-crypto.js";
import type { SecureMail } from "../secure-mail/secure-mail.js";
import type { KeyAccess } from "../secure-mail/unlock-sessions.js";
import {
  type BulkRun,
  cancelRequested,
  finishRun,
  HEARTBEAT_MS,
  heartbeat,
  INTERRUPTED,
  insertRun,
  latestRun,
  ownedRun,
  recordProgress,
  requestCancel,
  toRun,
} from "./bulk-runs.js";

export type { BulkRun };
export type BulkKind = BulkRun["kind"];

/** What happened to one message of a run (the CLI prints one JSON line per event). */
export interface BulkMessageEvent {
  /** The message as selected at the start (an in-place change gives it a new id). */
  messageId: string;
  /** The id of the stored replacement, when it was changed. */
  newId: string | null;
  subject: string;
  result: "done" | "skipped" | "failed";
  error?: string;
  /** The run's counts after this message. */
  run: BulkRun;
}

export interface BulkStartOptions {
  /** Called after each message, in order; a slow callback slows the run (the CLI's output). */
  onMessage?(event: BulkMessageEvent): void | Promise<void>;
}

const ENCRYPTED: readonly SecurityKind[] = ["encrypted", "signed+encrypted"];
const NOT_ENCRYPTED: readonly SecurityKind[] = ["plain", "signed"];

/** The messages a kind of run takes: those still in the other state. */
const SELECTS: Record<BulkKind, readonly SecurityKind[]> = {
  encrypt: NOT_ENCRYPTED,
  decrypt: ENCRYPTED,
  "re-encrypt": ENCRYPTED,
};

/**
 * An expected failure, told by name: a bundler may give the app more than one copy of a
 * package, and then instanceof says no to an error made by another copy.
 */
function expected(error: unknown, name: "StoreError" | "CoreError"): error is Error & { code: string } {
  return (
    error instanceof Error && error.name === name && typeof (error as { code?: unknown }).code === "string"
  );
}

/** Failures that end the whole run (nothing about one message): the message in hand stays as it was. */
const STOPS_RUN = new Set(["locked", "unauthenticated", "no-key", "wrong-password", "rate-limited"]);

/**
 * Encrypt All / Decrypt All / re-encrypt over one mailbox. Each message is changed by the
 * in-place use-cases, one transaction each, so whenever a run ends — finished, cancelled,
 * stopped by a lock, or its process killed — every message is there exactly once, in its
 * old form or its new one; a second run selects only what is still in the other state. The
 * run's row (bulk-runs.ts) is its whole state: progress and Cancel work from any process.
 */
export function bulkUseCases(ctx: StoreContext, deps: { secureMail: SecureMail; crypto: MessageCryptoOps }) {
  const { secureMail, crypto } = deps;
  /** The runs this process works through, so closing the store can settle them at once. */
  const running = new Map<string, Promise<BulkRun>>();
  let closing = false;

  /**
   * A password is proven once, here (PBKDF2 is slow on purpose); a session's unlock is asked
   * again before each message, so Lock (or the unlock running out) stops the run cleanly.
   */
  async function keySource(accountId: string, kind: BulkKind, access: KeyAccess): Promise<KeySource> {
    let source: KeySource;
    if (typeof access === "string") {
      const identities: Identity[] = await secureMail.identities(accountId, access);
      source = async () => identities;
    } else source = () => secureMail.identities(accountId, access);
    const identities = await source();
    if (kind !== "decrypt") {
      const current = await secureMail.currentCertificate(accountId);
      if (!current) throw new StoreError("no-key", "this account has no current Secure Mail certificate");
      if (
        kind === "re-encrypt" &&
        !identities.some((i) => i.certificate.sha256 === current.certificate.sha256)
      )
        throw new StoreError(
          "locked",
          "the current key is not unlocked (it is newer than this unlock); unlock Secure Mail again",
        );
    }
    return source;
  }

  async function selection(accountId: string, mailboxId: string, kind: BulkKind) {
    return messagesOfSecurity(ctx.db, accountId, mailboxId, SELECTS[kind]);
  }

  async function one(
    accountId: string,
    mailboxId: string,
    kind: BulkKind,
    messageId: string,
    keys: KeySource,
  ): Promise<{ result: "done" | "skipped"; newId: string | null }> {
    // Moved away, deleted, or already changed by someone else since the run began.
    const now = await securityInMailbox(ctx.db, messageId, mailboxId);
    if (!now || !SELECTS[kind].includes(now)) return { result: "skipped", newId: null };
    if (kind === "encrypt")
      return { result: "done", newId: (await crypto.encrypt(accountId, messageId, keys)).id };
    if (kind === "decrypt")
      return { result: "done", newId: (await crypto.decrypt(accountId, messageId, keys)).id };
    const re = await crypto.reEncrypt(accountId, messageId, keys);
    return re.status === "re-encrypted"
      ? { result: "done", newId: re.summary.id }
      : { result: "skipped", newId: null };
  }

  async function execute(
    run: BulkRun,
    messages: Array<{ id: string; subject: string }>,
    keys: KeySource,
    options: BulkStartOptions,
  ): Promise<BulkRun> {
    const counts = { done: 0, skipped: 0, failed: 0 };
    const timer = setInterval(() => {
      heartbeat(ctx, run.id).catch((error: unknown) =>
        ctx.logger.warn({ runId: run.id, error: String(error) }, "bulk run heartbeat failed"),
      );
    }, HEARTBEAT_MS);
    timer.unref?.();
    let end: { state: "cancelled" | "done" | "stopped"; error: string | null } = {
      state: "done",
      error: null,
    };
    try {
      for (const message of messages) {
        // SQLite answers synchronously, so without this the whole run would be one chain of
        // microtasks: the web process would answer nothing else (not even this run's
        // progress) until it ended.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (closing) {
          end = { state: "stopped", error: INTERRUPTED };
          break;
        }
        // Cancel stops after the message in hand: asked before each next one.
        const cancel = await cancelRequested(ctx, run.id);
        if (cancel === undefined) {
          end = { state: "stopped", error: "the run was ended elsewhere" };
          break;
        }
        if (cancel) {
          end = { state: "cancelled", error: null };
          break;
        }
        let outcome: { result: "done" | "skipped" | "failed"; newId: string | null; error?: string };
        try {
          outcome = await one(run.accountId, run.mailboxId, run.kind, message.id, keys);
        } catch (error) {
          if (expected(error, "StoreError") && STOPS_RUN.has(error.code)) {
            end = { state: "stopped", error: error.message };
            break;
          }
          if (expected(error, "StoreError") && error.code === "not-found")
            outcome = { result: "skipped", newId: null };
          else if (expected(error, "StoreError") || expected(error, "CoreError"))
            outcome = { result: "failed", newId: null, error: error.message };
          // Anything else (the database went away, a bug) is no verdict on this message.
          else throw error;
        }
        counts[outcome.result]++;
        const alive = await recordProgress(ctx, run.id, counts);
        if (alive === undefined) {
          end = { state: "stopped", error: "the run was ended elsewhere" };
          break;
        }
        await options.onMessage?.({
          messageId: message.id,
          newId: outcome.newId,
          subject: message.subject,
          result: outcome.result,
          ...(outcome.error !== undefined ? { error: outcome.error } : {}),
          run: { ...run, ...counts, cancelRequested: alive, updatedAt: ctx.now() },
        });
      }
    } catch (error) {
      ctx.logger.warn({ runId: run.id, error: String(error) }, "bulk run stopped by an unexpected error");
      end = { state: "stopped", error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearInterval(timer);
    }
    try {
      await finishRun(ctx, run.id, end);
    } catch (error) {
      // The row keeps "running" until its heartbeat is old enough to read as stopped.
      ctx.logger.warn({ runId: run.id, error: String(error) }, "could not record the end of a bulk run");
    }
    return get(run.accountId, run.id);
  }

  async function get(accountId: string, runId: string): Promise<BulkRun> {
    return toRun(await ownedRun(ctx.db, accountId, runId), ctx.now());
  }

  return {
    /**
     * The store is closing (the process is stopping): each run here stops after the message in
     * hand and is recorded as interrupted, so a new run (from any process) can start at once
     * instead of waiting for this one to read as stale.
     */
    async stopAll(waitMs = 5_000): Promise<void> {
      closing = true;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(running.values()),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, waitMs);
        }),
      ]);
      clearTimeout(timer);
      for (const runId of running.keys())
        await finishRun(ctx, runId, { state: "stopped", error: INTERRUPTED }).catch(() => undefined);
    },

    /**
     * Starts a run over one mailbox of the account and returns at once with its row; the
     * messages are worked through in the background of this process (`finished` resolves
     * with the final row and never rejects). StoreError conflict while another run is
     * going on in that mailbox; locked / wrong-password / no-key before anything starts.
     */
    async start(
      accountId: string,
      mailboxId: string,
      kind: BulkKind,
      access: KeyAccess,
      options: BulkStartOptions = {},
    ): Promise<{ run: BulkRun; finished: Promise<BulkRun> }> {
      if (!(kind in SELECTS)) throw new StoreError("invalid-argument", `unknown bulk kind "${kind}"`);
      await mailboxById(ctx.db, accountId, mailboxId);
      const keys = await keySource(accountId, kind, access);
      const messages = await selection(accountId, mailboxId, kind);
      const run = await insertRun(ctx, { accountId, mailboxId, kind, total: messages.length });
      const finished = execute(run, messages, keys, options);
      running.set(run.id, finished);
      void finished.finally(() => running.delete(run.id));
      return { run, finished };
    },

    get,

    /** The newest run over a mailbox of the account (what a folder shows), or null. */
    async latest(accountId: string, mailboxId: string): Promise<BulkRun | null> {
      await mailboxById(ctx.db, accountId, mailboxId);
      const row = await latestRun(ctx.db, accountId, mailboxId);
      return row ? toRun(row, ctx.now()) : null;
    },

    /**
     * Cancel: the runner (in whichever process) stops after the message in hand. A run whose
     * process is gone is settled here at once.
     */
    async cancel(accountId: string, runId: string): Promise<BulkRun> {
      const run = await get(accountId, runId);
      // No heartbeat for two beats: its process is gone (killed, restarted), so nothing would
      // ever act on the request; settle it now rather than when it reads as stale.
      if (run.state === "running" && !running.has(runId) && ctx.now() - run.updatedAt > 2 * HEARTBEAT_MS)
        await finishRun(ctx, runId, { state: "cancelled", error: null });
      else if (run.state === "running") await write(ctx, (trx) => requestCancel(trx, runId));
      else if (run.error && run.finishedAt === null)
        await finishRun(ctx, runId, { state: "stopped", error: run.error });
      return get(accountId, runId);
    },
  };
}

export type Bulk = ReturnType<typeof bulkUseCases>;
