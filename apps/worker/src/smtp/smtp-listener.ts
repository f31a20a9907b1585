import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  clientKey,
  HEADER_CAPTURE_BYTES,
  isStorageFull,
  SPOOL_MEMORY_BELOW,
  type SpoolResult,
  type Store,
  spoolMessage,
} from "@sealbox/store";
import { SMTPServer, type SMTPServerSession } from "smtp-server";
import { DEFAULT_SMTP_GREET_PAUSE_MS, SMTP_LIMIT_DEFAULTS } from "../env.js";
import { errorFields, type Logger } from "../log.js";
import { disabledCommands } from "./auth-policy.js";
import { classifyRecipient } from "./classify-recipient.js";
import { ClientCounter } from "./client-counter.js";
import {
  type Deliver,
  type DeliveryOutcome,
  type DeliveryRequest,
  deliverSpooled,
} from "./deliver-spooled.js";
import { receivedHeader } from "./received-header.js";
import { envelopeSenderRefusal } from "./sender-policy.js";
import { SmtpReply, STORAGE_FULL, TEMPORARY_FAILURE } from "./smtp-reply.js";

/** Failed AUTH attempts one connection may make; the last is answered 421 and the connection closed. */
export const MAX_AUTH_FAILURES_PER_CONNECTION = 3;

export interface SmtpLimits {
  maxClients: number;
  maxClientsPerAddress: number;
  commandTimeoutMs: number;
  dataTimeoutMs: number;
}

export interface SmtpListenerOptions {
  store: Store;
  log: Logger;
  host: string;
  /** 0 = any free port (tests). */
  port: number;
  /** Greeting and Received: name. */
  name: string;
  maxBytes: number;
  /** PEM certificate and key: STARTTLS, and AUTH after it. */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  allowLoopbackAuth: boolean;
  /** Which peers count as loopback for allowLoopbackAuth (default: 127.0.0.0/8 and ::1). */
  isLoopback?: (remoteAddress: string) => boolean;
  /** RFC 5321 §4.5.3.1.8: at least 100 must be accepted. */
  maxRecipients?: number;
  /**
   * Message bytes all open transactions may have in the spool together (default: 4 × maxBytes,
   * at least 256 MiB); past it a transaction is answered 452. Memory is bounded apart from it:
   * per message, the header block, the small copies the store keeps for its commit (at most
   * its COPIES_IN_MEMORY_BYTES; the rest are staged) and one chunk per copy being stored.
   */
  memoryBudget?: number;
  /**
   * The encrypted DATA spool folder (`<data folder>/spool`, emptied by cleanSpool at start).
   * Default: a private temporary folder removed at close (tests).
   */
  spoolDir?: string;
  /** Pause before the greeting; a client talking during it gets 421 (default 0: greet at once). */
  greetPauseMs?: number;
  /** Connection caps and idle timeouts (default SMTP_LIMIT_DEFAULTS). */
  limits?: Partial<SmtpLimits>;
  now?: () => number;
  /**
   * Stores an accepted message (default: deliverSpooled on `store`, in this thread; the worker
   * process hands it to its delivery thread, delivery-thread.ts).
   */
  deliver?: Deliver;
}

export interface SmtpListener {
  readonly port: number;
  /** Transactions between DATA and the reply right now. */
  inFlight(): number;
  /**
   * Stops accepting connections; commands on open ones get 421; a message already in DATA
   * is finished (stored and answered) if it can be within `graceMs`. Resolves when the
   * in-flight deliveries have settled or the grace period is over.
   */
  close(graceMs: number): Promise<void>;
}

/** Per transaction (keyed by smtp-server's envelope object, new for every MAIL FROM). */
interface Transaction {
  local: Map<string, string>; // lower-case address → account id
  remote: Map<string, string>; // lower-case address → address
}

/** Session fields smtp-server reads but its type declarations leave out. */
type Session = SMTPServerSession & { disabledCommands?: string[] };

/** The parts of smtp-server's connection object the DATA timeout needs (not in its types). */
interface Connection {
  session: SMTPServerSession;
  _socket: Socket;
}

/**
 * The SMTP listener: inbound mail for local accounts from anyone, relay for
 * authenticated submitters only. DATA is streamed into the encrypted spool (spool.ts), the store writes
 * every local copy (rules and Store Encrypted applied) and any outgoing job in ONE
 * transaction, and only then does the client get 250; any failure is 451 (452 when the disk
 * is full), so the sending MTA keeps the message and retries — a 250 is never given for mail
 * that is not on disk.
 */
export async function startSmtpListener(options: SmtpListenerOptions): Promise<SmtpListener> {
  const { store, log, maxBytes } = options;
  const now = options.now ?? Date.now;
  const deliver: Deliver =
    options.deliver ?? ((request, message) => deliverSpooled(store, request, message, now));
  const maxRecipients = options.maxRecipients ?? 1000;
  const limits: SmtpLimits = { ...SMTP_LIMIT_DEFAULTS, ...options.limits };
  const perAddress = new ClientCounter(limits.maxClientsPerAddress);
  /** Sessions holding a per-address slot, with the key they hold it under. */
  const counted = new WeakMap<object, string>();
  const authFailures = new WeakMap<object, number>();
  const policy = {
    tls: options.tls !== undefined,
    allowLoopbackAuth: options.allowLoopbackAuth,
    ...(options.isLoopback ? { isLoopback: options.isLoopback } : {}),
  };
  const transactions = new WeakMap<object, Transaction>();
  const deliveries = new Set<Promise<void>>();
  /** Bytes in the spool for open transactions, against the budget (452 past it, RFC 5321 §4.5.3.1.10). */
  const budget = {
    used: 0,
    limit: options.memoryBudget ?? Math.max(4 * maxBytes, 256 * 1024 * 1024),
  };
  const ownSpool = options.spoolDir === undefined;
  const spoolDir = options.spoolDir ?? (await mkdtemp(join(tmpdir(), "sealbox-spool-")));
  const transaction = (session: SMTPServerSession): Transaction => {
    let t = transactions.get(session.envelope);
    if (!t) {
      t = { local: new Map(), remote: new Map() };
      transactions.set(session.envelope, t);
    }
    return t;
  };

  const server = new SMTPServer({
    name: options.name,
    banner: "Sealbox ESMTP",
    size: maxBytes,
    authOptional: true,
    // AUTH is allowed or not per session (disabledCommands below), not by this switch.
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    disabledCommands: policy.tls ? [] : ["STARTTLS"],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    disableReverseLookup: true,
    hideDSN: true,
    logger: false,
    // The idle timeout before DATA; onData lengthens it for the data and restores it after.
    socketTimeout: limits.commandTimeoutMs,
    // smtp-server's early-talker pause (its option through patches/smtp-server@*.patch).
    greetingDelay: options.greetPauseMs ?? DEFAULT_SMTP_GREET_PAUSE_MS,
    // Past it smtp-server answers 421 and closes (counted among open connections).
    maxClients: limits.maxClients,

    onConnect(session, callback) {
      const key = clientKey(session.remoteAddress);
      if (!perAddress.take(key)) {
        log.warn(
          { session: session.id, client: key, limit: limits.maxClientsPerAddress },
          "smtp per-address cap",
        );
        return callback(new SmtpReply(421, "4.7.0 Too many connections from your address, try again later"));
      }
      counted.set(session, key);
      (session as Session).disabledCommands = disabledCommands(policy, {
        secure: false,
        remoteAddress: session.remoteAddress,
      });
      callback();
    },

    onClose(session) {
      const key = counted.get(session);
      if (key === undefined) return;
      counted.delete(session);
      perAddress.give(key);
    },

    onSecure(_socket, session, callback) {
      (session as Session).disabledCommands = disabledCommands(policy, {
        secure: true,
        remoteAddress: session.remoteAddress,
      });
      callback();
    },

    onAuth(auth, session, callback) {
      if (auth.method !== "PLAIN" && auth.method !== "LOGIN")
        return callback(new SmtpReply(504, "5.5.4 Unrecognized authentication type"));
      // The store's login guard (per account and per client address) is shared with the web;
      // an attempt it refuses costs no password hash, so a guesser cannot tie up the worker.
      store.login(auth.username ?? "", auth.password ?? "", { client: session.remoteAddress }).then(
        (result) => {
          log.info(
            { session: session.id, user: auth.username ?? "", ok: result.ok, method: auth.method },
            "smtp auth",
          );
          if (result.ok) return callback(null, { user: result.account.id });
          const failures = (authFailures.get(session) ?? 0) + 1;
          authFailures.set(session, failures);
          // 421 makes smtp-server close the connection after the reply.
          if (failures >= MAX_AUTH_FAILURES_PER_CONNECTION)
            callback(new SmtpReply(421, "4.7.0 Too many failed authentication attempts, closing connection"));
          else if (result.reason === "rate-limited") callback(new SmtpReply(454, `4.7.0 ${result.message}`));
          else callback(new SmtpReply(535, "5.7.8 Authentication credentials invalid"));
        },
        (error: unknown) => {
          log.error({ session: session.id, ...errorFields(error) }, "smtp auth failed");
          callback(new SmtpReply(454, "4.7.0 Temporary authentication failure"));
        },
      );
    },

    onMailFrom(address, session, callback) {
      (session.user ? store.accounts.byId(String(session.user)) : Promise.resolve(undefined))
        .then((account) => envelopeSenderRefusal(store, address.address, account))
        .then(
          (refusal) => callback(refusal ?? undefined),
          (error: unknown) => {
            log.error({ session: session.id, ...errorFields(error) }, "smtp sender check failed");
            callback(TEMPORARY_FAILURE());
          },
        );
    },

    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= maxRecipients)
        return callback(new SmtpReply(452, "4.5.3 Too many recipients"));
      classifyRecipient(store, address.address, Boolean(session.user)).then(
        (recipient) => {
          const t = transaction(session);
          if (recipient.kind === "local") t.local.set(address.address.toLowerCase(), recipient.account.id);
          else t.remote.set(recipient.address.toLowerCase(), recipient.address);
          callback();
        },
        (error: unknown) => {
          if (error instanceof SmtpReply) return callback(error);
          log.error({ session: session.id, ...errorFields(error) }, "smtp recipient check failed");
          callback(TEMPORARY_FAILURE());
        },
      );
    },

    onData(stream, session, callback) {
      const started = now();
      const socket = socketOf(session);
      socket?.setTimeout(limits.dataTimeoutMs);
      const work = (async () => {
        const trace = receivedHeader({
          helo: session.hostNameAppearsAs,
          remoteAddress: session.remoteAddress,
          by: options.name,
          protocol: session.transmissionType,
          id: session.id,
          at: started,
        });
        let reserved = 0;
        let spooled: SpoolResult | undefined;
        try {
          spooled = await spoolMessage(stream, {
            dir: spoolDir,
            prefix: trace,
            maxBytes,
            keepHead: HEADER_CAPTURE_BYTES,
            memoryBelow: SPOOL_MEMORY_BELOW,
            reserve: (bytes) => {
              if (budget.used + bytes > budget.limit) return false;
              budget.used += bytes;
              reserved += bytes;
              return true;
            },
          });
          const reply = await accept(spooled, session, started);
          if (reply instanceof SmtpReply) callback(reply);
          else callback(null, reply);
        } finally {
          // After the reply, whatever it was (a failed read or a client gone removes the file itself).
          budget.used -= reserved;
          // A file left behind is unreadable (its key is gone) and removed at the next start.
          if (spooled?.ok)
            await spooled.message
              .remove()
              .catch((error: unknown) =>
                log.warn({ session: session.id, ...errorFields(error) }, "smtp spool file not removed"),
              );
        }
      })()
        .catch((error: unknown) => {
          // Spooling failed (the data was read to the end first): a full disk is 452, like the store's.
          log.error({ session: session.id, ...errorFields(error) }, "smtp data failed");
          callback(isStorageFull(error) ? STORAGE_FULL() : TEMPORARY_FAILURE());
        })
        .finally(() => {
          // Back to the short timeout: the client owes the next command.
          if (socket && !socket.destroyed) socket.setTimeout(limits.commandTimeoutMs);
        });
      const tracked = work.finally(() => deliveries.delete(tracked));
      deliveries.add(tracked);
    },
  });

  /** The connection's socket (after STARTTLS, the TLS one), found through smtp-server's list. */
  function socketOf(session: SMTPServerSession): Socket | undefined {
    for (const connection of server.connections as Set<Connection>)
      if (connection.session === session) return connection._socket;
    return undefined;
  }

  /** The reply to a message spooled in full (refusals for size and budget here; the rest is the delivery's). */
  async function accept(
    read: SpoolResult,
    session: SMTPServerSession,
    started: number,
  ): Promise<SmtpReply | string> {
    if (!read.ok && read.reason === "busy") {
      log.warn({ session: session.id, bytes: read.bytes, budget: budget.limit }, "smtp spool budget spent");
      return new SmtpReply(452, "4.3.1 Insufficient system resources, try again later");
    }
    if (!read.ok) {
      log.info({ session: session.id, bytes: read.bytes, limit: maxBytes }, "smtp message too big");
      return new SmtpReply(552, `5.3.4 Message exceeds the ${maxBytes}-byte limit`);
    }
    const t = transaction(session);
    // Every accepted RCPT is in t (smtp-server merges repeats, case-insensitively).
    const request: DeliveryRequest = {
      session: session.id,
      user: session.user ? String(session.user) : undefined,
      accounts: [...new Set(t.local.values())],
      remote: [...t.remote.values()],
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
      receivedAt: started,
    };
    let outcome: DeliveryOutcome;
    try {
      outcome = await deliver(request, read.message);
    } catch (error) {
      // The delivery thread died with this message in hand: nothing was committed for it.
      log.error({ session: session.id, ...errorFields(error), ms: now() - started }, "smtp delivery failed");
      return TEMPORARY_FAILURE();
    }
    for (const line of outcome.log) log[line.level](line.fields, line.message);
    return outcome.reply.code === 250
      ? outcome.reply.text
      : new SmtpReply(outcome.reply.code, outcome.reply.text);
  }

  server.on("error", (error) => log.error(errorFields(error), "smtp server error"));
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.server.off("error", reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    inFlight: () => deliveries.size,
    async close(graceMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((r) => {
        timer = setTimeout(r, graceMs);
      });
      // From here every command on an open connection is answered 421 (smtp-server), so no
      // new transaction starts; those already in DATA finish if they can before the deadline.
      server.options.closeTimeout = graceMs;
      const closed = new Promise<void>((r) => server.close(() => r()));
      await Promise.race([Promise.all([...deliveries]), deadline]);
      clearTimeout(timer);
      // Idle connections (and any transaction that ran out of time) are told 421 and closed.
      for (const connection of server.connections as Set<{
        send(c: number, m: string): void;
        close(): void;
      }>) {
        connection.send(421, "4.3.2 Service shutting down, try again later");
        connection.close();
      }
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1_000).unref())]);
      if (ownSpool) await rm(spoolDir, { recursive: true, force: true });
    },
  };
}
