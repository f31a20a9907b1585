import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { type AccountSettings, accountSettingsUseCases } from "./accounts/account-settings.js";
import { type AccountRepository, accountRepository } from "./accounts/accounts.js";
import { type LoginOptions, type LoginResult, loginUseCase } from "./accounts/login.js";
import { loginGuard } from "./accounts/login-guard.js";
import { DEFAULT_SCRYPT, type ScryptParams } from "./accounts/password-hash.js";
import { type AddressBookRepository, addressBookRepository } from "./address-books/address-books.js";
import {
  type ContactCertificateRepository,
  contactCertificateRepository,
} from "./address-books/contact-certificates.js";
import { type ContactRepository, contactRepository } from "./address-books/contacts.js";
import { type Bulk, bulkUseCases } from "./bulk/bulk.js";
import type { StoreContext } from "./context.js";
import {
  type DeliverOptions,
  type DeliveryResult,
  deliverUseCase,
  type EncryptForAccount,
} from "./delivery/deliver.js";
import {
  type DeliverManyOptions,
  type DeliverManyResult,
  deliverManyUseCase,
} from "./delivery/deliver-many.js";
import { type DirectoryListing, directoryListing } from "./directory/list-directory.js";
import { type DirectoryEntry, directoryLookup } from "./directory/lookup-directory.js";
import { type DomainRepository, domainRepository } from "./domains/domains.js";
import { type TrustAnchorRepository, trustAnchorRepository } from "./domains/trust-anchors.js";
import { StoreError } from "./errors.js";
import { groupCommit, separateCommits, sqliteWalSync } from "./group-commit.js";
import { rememberInternals } from "./internals.js";
import { type Job, type JobQueue, type JobQueueOptions, jobQueue } from "./jobs/jobs.js";
import { type StoreLogger, stderrLogger } from "./logger.js";
import { type BlobStore, STAGED_GRACE_MS, tableBlobStore } from "./mail/blob-store.js";
import type { MessageSource } from "./mail/incoming-message.js";
import { type MailboxRepository, mailboxRepository } from "./mail/mailboxes.js";
import { type MessagePage, messagePager, type PageOptions } from "./mail/message-page.js";
import { type MessageRepository, messageRepository } from "./mail/messages.js";
import { reclassifyStoredMessages } from "./mail/reclassify-stored.js";
import type { Engine } from "./migrations/column-types.js";
import { LATEST_SCHEMA_VERSION, migrationsFor } from "./migrations/index.js";
import { type OutgoingJobs, outgoingJobs } from "./outgoing/outgoing-jobs.js";

import type { OutgoingMessage } from "./outgoing/outgoing-message.js";
import { queueOutgoingUseCase } from "./outgoing/queue-outgoing.js";
import { COPY_BINARY_MARKER, runCopyBinary } from "./pg-copy-binary.js";
import { type Reading, readingUseCases } from "./reading/read-message.js";
import { type RuleRepository, ruleRepository } from "./rules/rules.js";
import type { Database as Schema } from "./schema.js";
import { type MessageCrypto, messageCryptoOps, messageCryptoUseCases } from "./secure-mail/message-crypto.js";
import { passwordGuard } from "./secure-mail/password-guard.js";
import { type SecureMail, secureMailUseCases } from "./secure-mail/secure-mail.js";
import { crlUrlFor, type ServerCa, serverCaUseCases } from "./secure-mail/server-ca.js";
import { storeEncryptedHook } from "./secure-mail/store-encrypted.js";
import { type Composer, composerUseCases } from "./sending/composer.js";
import { type SendOptions, type SendResult, sendUseCase } from "./sending/send.js";
import { type SessionRepository, sessionRepository } from "./sessions/sessions.js";
import { BACKSTOP_CHECKPOINT_PAGES, startWalCheckpointer } from "./sqlite-checkpointer.js";
import { ImmediateSqliteDialect } from "./sqlite-dialect.js";
import { parseStoreUrl, type StoreLocation } from "./store-url.js";

export interface Store {
  readonly kind: StoreLocation["kind"];
  /** Number of migrations applied; equals LATEST_SCHEMA_VERSION after open. */
  schemaVersion(): Promise<number>;
  /**
   * Removes staged message blobs older than STAGED_GRACE_MS (a delivery that died before its
   * commit); done on open, and callable by a long-running worker. Returns how many.
   */
  sweepStagedBlobs(): Promise<number>;
  close(): Promise<void>;

  readonly domains: DomainRepository;
  readonly trustAnchors: TrustAnchorRepository;
  readonly accounts: AccountRepository;
  /** What a signed-in account changes about itself: General, Compose, its login password. */
  readonly accountSettings: AccountSettings;
  /**
   * A uniform failure for unknown address and wrong password (accounts/login.ts), behind the
   * one login guard (per account and per client address) every entry point shares.
   */
  login(address: string, password: string, options?: LoginOptions): Promise<LoginResult>;
  /** Signed-in sessions (web, terminal client): rows keyed by the hash of a random token. */
  readonly sessions: SessionRepository;
  /** Reading a message: S/MIME layers opened and judged, the content parsed for display, Take Certificate. */
  readonly reading: Reading;
  /** Compose: a form's fields sent (signed / encrypted) or kept as a draft; recipients' certificates. */
  readonly composer: Composer;
  readonly addressBooks: AddressBookRepository;
  readonly contacts: ContactRepository;
  readonly contactCertificates: ContactCertificateRepository;
  /** The published certificate of a local user, by address. */
  lookupDirectory(address: string): Promise<DirectoryEntry | undefined>;
  /** The local addresses of a domain whose certificate the directory publishes now. */
  listDirectory(domain: string): Promise<DirectoryListing[]>;
  readonly mailboxes: MailboxRepository;
  readonly messages: MessageRepository;
  /** A page of a mailbox, newest first, with a keyset cursor; optionally a subject/sender search. */
  listMessages(accountId: string, mailboxId: string, options?: PageOptions): Promise<MessagePage>;
  readonly rules: RuleRepository;
  /** Local delivery through the rules, in one transaction. */
  deliver(
    account: { id: string },
    raw: Uint8Array | MessageSource,
    options?: DeliverOptions,
  ): Promise<DeliveryResult>;
  /**
   * Delivery to several local accounts (and optionally an outgoing job) in ONE transaction:
   * each account's rules run, and Store Encrypted copies are encrypted, before it starts.
   */
  deliverMany(
    accounts: ReadonlyArray<{ id: string }>,
    raw: Uint8Array | MessageSource,
    options?: DeliverManyOptions,
  ): Promise<DeliverManyResult>;
  readonly jobs: JobQueue;
  /** The server CA (created on first use; key sealed under the server secret). */
  readonly ca: ServerCa;
  /** The account's Secure Mail key: import, generate, export, change password, remove, status. */
  readonly secureMail: SecureMail;
  /** Decrypt, Encrypt and re-encrypt in place (one transaction each). */
  readonly messageCrypto: MessageCrypto;
  /** Encrypt All / Decrypt All / re-encrypt over a mailbox, message by message, with progress and Cancel. */
  readonly bulk: Bulk;
  /** Sends a composed message (bytes, or a source read in chunks): sign and/or encrypt, Sent copy, local delivery, outgoing queue. */
  send(accountId: string, raw: Uint8Array | MessageSource, options?: SendOptions): Promise<SendResult>;
  /** Queues a message for the worker's outgoing (relay) consumer. */
  queueOutgoing(message: OutgoingMessage, options?: { runAt?: number; maxAttempts?: number }): Promise<Job>;
  /** A claimed outgoing job's envelope and bytes (streamed from its blob when large); a job queued again for some recipients. */
  readonly outgoing: OutgoingJobs;
}

export interface OpenStoreOptions {
  /** Folder that relative sqlite: paths resolve against (the data folder). */
  base: string;
  /** SQLite busy timeout in ms (several processes share one file). */
  busyTimeoutMs?: number;
  /**
   * SQLite: who copies the WAL into the database file. "on-commit" (default): SQLite's own,
   * inside the commit that takes the WAL past 1000 pages. "background": a thread of this
   * store's (sqlite-checkpointer.ts), so the connection's commits do not pay for it; the
   * connection's own threshold becomes a backstop. For the connection that takes a process's
   * heavy write load (the worker's delivery thread). Ignored on PostgreSQL.
   */
  walCheckpoints?: "on-commit" | "background";
  /** The clock (epoch ms). Default Date.now. */
  now?: () => number;
  /** Where store logs (never contents or secrets). Default: one line per event on stderr. */
  logger?: StoreLogger;
  /** Where raw message bytes live. Default: the message_blobs table. */
  blobs?: BlobStore;
  /**
   * What Store Encrypted rules encrypt incoming copies with (deliver, deliverMany, send).
   * Default: the built-in hook (the account's current certificate and Encryption Method, the
   * domain's hide-subject setting); null: none, so such copies are stored as they came, with
   * the reason logged.
   */
  encryptForAccount?: EncryptForAccount | null;
  /** Cost of new login-password hashes. Default DEFAULT_SCRYPT; lower only in tests. */
  passwordHashing?: ScryptParams;
  jobs?: JobQueueOptions;
  /** Seals the server CA key (apps pass resolveServerSecret(…)); without it CA operations are unavailable. */
  serverSecret?: Uint8Array;
  /**
   * The address the web is reached at (apps pass SEALBOX_PUBLIC_URL): certificates the server
   * CA issues then name `<publicUrl>/pki/ca.crl` as their CRL distribution point.
   */
  publicUrl?: string;
}

/**
 * Opens the store and applies any pending migrations: every entry point calls this, so
 * there is no separate init step. SQLite runs in WAL mode with a busy timeout and
 * secure_delete on (deleted plaintext is overwritten, not left in free pages).
 */
export async function openStore(url: string, options: OpenStoreOptions): Promise<Store> {
  const location = parseStoreUrl(url, options.base);
  const crlDistributionPoint = options.publicUrl ? crlUrlFor(options.publicUrl) : undefined;
  const logger = options.logger ?? stderrLogger;
  const db =
    location.kind === "sqlite" ? openSqlite(location.path, options) : openPostgres(location.url, logger);
  try {
    await migrate(db, location.kind);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const walSync = location.kind === "sqlite" ? sqliteWalSync(location.path) : undefined;
  const context: StoreContext = {
    db,
    engine: location.kind,
    now: options.now ?? Date.now,
    logger,
    blobs: options.blobs ?? tableBlobStore,
    passwordHashing: options.passwordHashing ?? DEFAULT_SCRYPT,
    commits: walSync ? groupCommit(db, { deferredSync: walSync }) : separateCommits(db),
  };
  const sweepStagedBlobs = () => context.blobs.sweepStaged(db, context.now() - STAGED_GRACE_MS);
  try {
    // A delivery that crashed between staging its copies and its commit left staged blobs.
    await sweepStagedBlobs();
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // Rows listed from their label before core classified stored mail: a listing detail, so a
  // failure is logged and the next open tries again.
  await reclassifyStoredMessages(context).catch((error: unknown) =>
    logger.warn({ error: String(error) }, "stored messages not reclassified"),
  );
  // A thread that cannot start has said why (logged); the backstop threshold then applies.
  const checkpointer =
    location.kind === "sqlite" && options.walCheckpoints === "background"
      ? await startWalCheckpointer(location.path, logger).catch(() => undefined)
      : undefined;
  const ca = serverCaUseCases(context, options.serverSecret, {
    ...(crlDistributionPoint ? { crlDistributionPoint } : {}),
  });
  const secureMail = secureMailUseCases(context, { ca, guard: passwordGuard(context) });
  const storeEncrypted =
    options.encryptForAccount === null
      ? undefined
      : (options.encryptForAccount ?? storeEncryptedHook(context));
  const crypto = messageCryptoOps(context, secureMail);
  const bulk = bulkUseCases(context, { secureMail, crypto });
  const deliverMany = deliverManyUseCase(context, storeEncrypted);
  const contactCertificates = contactCertificateRepository(context);
  const lookupDirectory = directoryLookup(context);
  const queueOutgoing = queueOutgoingUseCase(context);
  const trustAnchors = trustAnchorRepository(context);
  const certificates = {
    addressBook: (accountId: string, address: string) => contactCertificates.forAddress(accountId, address),
    directory: (address: string) => lookupDirectory(address),
    isRevoked: (sha256: string) => ca.isRevoked(sha256),
  };
  const send = sendUseCase(context, {
    secureMail,
    certificates,
    deliverMany,
  });
  const store: Store = {
    kind: location.kind,
    async schemaVersion() {
      const row = await sql<{ n: number | string }>`select count(*) as n from kysely_migration`.execute(db);
      return Number(row.rows[0]?.n ?? 0);
    },
    sweepStagedBlobs,
    close: async () => {
      await bulk.stopAll();
      // First: SQLite removes the WAL when its last connection closes.
      await checkpointer?.close();
      await db.destroy();
      walSync?.close?.();
    },
    domains: domainRepository(context),
    trustAnchors,
    accounts: accountRepository(context),
    accountSettings: accountSettingsUseCases(context, loginGuard(context)),
    login: loginUseCase(context, loginGuard(context)),
    sessions: sessionRepository(context),
    reading: readingUseCases(context, { secureMail, trustAnchors, ca, contactCertificates }),
    composer: composerUseCases(context, { secureMail, certificates, send }),
    addressBooks: addressBookRepository(context),
    contacts: contactRepository(context),
    contactCertificates,
    lookupDirectory,
    listDirectory: directoryListing(context),
    mailboxes: mailboxRepository(context),
    messages: messageRepository(context),
    listMessages: messagePager(context),
    rules: ruleRepository(context),
    deliver: deliverUseCase(context, storeEncrypted),
    deliverMany,
    jobs: jobQueue(context, options.jobs),
    queueOutgoing,
    outgoing: outgoingJobs(context),
    send,
    ca,
    secureMail,
    messageCrypto: messageCryptoUseCases(context, secureMail, crypto),
    bulk,
  };
  // The handle stays reachable for this package's tests (internals.ts), never through Store.
  rememberInternals(store, context);
  return store;
}

function openSqlite(path: string, options: OpenStoreOptions): Kysely<Schema> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Mail and sealed keys live here: owner-only, like the server secret. SQLite gives the
  // -wal and -shm files the database file's permissions.
  closeSync(openSync(path, "a", 0o600));
  chmodSync(path, 0o600);
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  const database = new Database(path);
  database.pragma("journal_mode = WAL");
  database.pragma(`busy_timeout = ${busyTimeoutMs}`);
  database.pragma("secure_delete = ON");
  database.pragma("foreign_keys = ON");
  database.pragma("synchronous = FULL");
  if (options.walCheckpoints === "background")
    database.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  return new Kysely({ dialect: new ImmediateSqliteDialect(database, busyTimeoutMs) });
}

/** int8 (bigint): epoch-ms timestamps, sizes and counts. Exact below 2^53, which all of those are. */
const INT8_OID = 20;

function openPostgres(url: string, logger: StoreLogger): Kysely<Schema> {
  // The parser is set on our own pool only, never on pg's global type registry.
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID && format !== "binary"
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection that dies (server restart, failover, network) must not take the
  // process down: pg emits it on the pool, and the next query simply gets a new connection.
  pool.on("error", (error: Error & { code?: string }) =>
    logger.warn({ code: error.code ?? null }, "an idle PostgreSQL connection was lost"),
  );
  const names = new Map<string, string>();
  pool.on("connect", (client) => {
    // The pool listens for errors only on idle connections. One lost while checked out
    // between two queries (a transaction waiting on the caller) emits 'error' on the client,
    // which with no listener ends the process. The caller learns of it anyway (its next query
    // fails, so the transaction rolls back and the worker answers 451), and the pool drops
    // the broken client when it is released; so this listener only keeps the process alive.
    client.on("error", () => {});
    preparedStatements(client, names);
  });
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}

/** Most distinct statements given a name (the store issues a few hundred; the rest run unnamed). */
const MAX_NAMED_STATEMENTS = 2000;

/**
 * Kysely sends every query unnamed, so PostgreSQL parses and plans it each time. Giving each
 * distinct SQL text a name makes node-pg prepare it once per connection and then only bind and
 * execute it: the same work kysely asked for, with a fraction of the server's CPU (values are
 * always bound parameters, so the text never carries user data).
 */
function preparedStatements(client: pg.PoolClient, statementNames: Map<string, string>): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: (...args: unknown[]) => unknown }).query = (
    text: unknown,
    values?: unknown,
    callback?: unknown,
  ) => {
    if (typeof text !== "string" || callback !== undefined || !Array.isArray(values))
      return query(text, values, callback);
    if (text.startsWith(COPY_BINARY_MARKER)) return runCopyBinary(client, text);
    let name = statementNames.get(text);
    if (!name && statementNames.size < MAX_NAMED_STATEMENTS) {
      name = `sealbox_${statementNames.size}`;
      statementNames.set(text, name);
    }
    return name ? query({ name, text, values }) : query(text, values);
  };
}

async function migrate(db: Kysely<Schema>, engine: Engine): Promise<void> {
  const migrations = migrationsFor(engine);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  // Web, worker and CLI may open a fresh SQLite file at the same moment. Each migration is
  // one transaction, so a loser of that race sees "already exists", rolls back, and on the
  // next attempt finds the winner's migrations applied. PostgreSQL takes an advisory lock.
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return;
    if (attempt < 5) {
      await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 100));
      continue;
    }
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new StoreError("migration-failed", `migration ${failed} failed: ${String(error)}`, {
      cause: error,
    });
  }
}

export { LATEST_SCHEMA_VERSION };
