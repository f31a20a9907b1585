import type { ColumnType } from "kysely";

/**
 * The row types of every table, as both engines return them (see migrations/). One code
 * path for SQLite and PostgreSQL means one representation:
 * - ids are application-made text (UUIDv7, time-ordered: see ids.ts);
 * - booleans are integers 0/1 (`Flag`), on both engines;
 * - timestamps are epoch milliseconds in a 64-bit integer (`Millis`); our own pg Pool
 *   parses int8 to a JS number (open-store.ts), so no row ever holds a string there;
 * - bytes are `blob` (SQLite) / `bytea` (PostgreSQL), returned as Buffer by both drivers.
 */
export type Flag = 0 | 1;
export type Millis = number;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface DomainsTable {
  id: string;
  name: string;
  smime_enabled: Defaulted<Flag>;
  directory_enabled: Defaulted<Flag>;
  unlock_seconds: Defaulted<number>;
  /** JSON array of cipher names; null = every writable cipher. */
  allowed_ciphers: string | null;
  default_cipher: Defaulted<string>;
  hide_subject_when_encrypting: Defaulted<Flag>;
  created_at: Millis;
}

export interface TrustAnchorsTable {
  id: string;
  /** null = server-wide (every domain trusts it). */
  domain_id: string | null;
  certificate: Uint8Array;
  sha256: string;
  subject: string;
  added_at: Millis;
}

export type Role = "user" | "domain-admin" | "server-admin";

export interface AccountsTable {
  id: string;
  /** As entered (local part case kept, domain lowercased). */
  address: string;
  /** address.toLowerCase(): the unique, case-insensitive key. */
  address_lower: string;
  domain_id: string;
  /** PHC-style scrypt string with its own salt and parameters (accounts/password-hash.ts). */
  password_hash: string;
  real_name: Defaulted<string>;
  /** null = the account address. */
  from_address: string | null;
  from_lower: string | null;
  /** null = the domain's default cipher. */
  encryption_method: string | null;
  smime_enabled: Defaulted<Flag>;
  disabled: Defaulted<Flag>;
  role: Defaulted<Role>;
  created_at: Millis;
  /** Compose starts with Send Signed checked (while unlocked). */
  always_sign: Defaulted<Flag>;
  /** Compose checks Send Encrypted when every recipient has a certificate. */
  encrypt_when_possible: Defaulted<Flag>;
}

export interface SecureMailKeysTable {
  id: string;
  account_id: string;
  certificate: Uint8Array;
  certificate_sha256: string;
  /** Issuer chain: concatenated DER certificates (der-list.ts), leaf excluded. */
  chain: Uint8Array;
  /** PKCS#8 EncryptedPrivateKeyInfo under the Secure Mail Password (core keyvault). */
  sealed_key: Uint8Array;
  state: "current" | "earlier";
  not_after: Millis;
  created_at: Millis;
}

export interface ServerCaTable {
  id: string;
  certificate: Uint8Array;
  certificate_sha256: string;
  chain: Uint8Array;
  /** Sealed under the server secret (SEALBOX_SECRET or the 0600 file), never plaintext. */
  sealed_key: Uint8Array;
  state: "current" | "earlier";
  source: "generated" | "installed";
  next_crl_number: Defaulted<number>;
  created_at: Millis;
}

export interface IssuedCertificatesTable {
  id: string;
  ca_id: string;
  /** Lowercase hex, as core's Certificate.serialHex. */
  serial: string;
  account_id: string | null;
  certificate_sha256: string;
  issued_at: Millis;
  revoked_at: Millis | null;
  /** RFC 5280 §5.3.1 CRLReason name, e.g. "superseded", "cessationOfOperation". */
  reason: string | null;
}

export interface UnlockSessionsTable {
  /** SHA-256 (hex) of the random session token; the token itself is never stored. */
  id: string;
  account_id: string;
  wrapped: Uint8Array;
  expires_at: Millis;
  created_at: Millis;
}

export interface SessionsTable {
  /** SHA-256 (hex) of the random session token; the token itself is never stored. */
  id: string;
  account_id: string;
  /** Anti-CSRF token for state-changing requests (synchroniser token). */
  csrf: string;
  /** The client address the session was opened from (for the user's session list and logs). */
  client: string;
  created_at: Millis;
  last_seen_at: Millis;
  expires_at: Millis;
}

export interface LoginAttemptsTable {
  id: string;
  /** "account:<lowercased address>" or "client:<clientKey(address)>" (IPv4, or an IPv6 /64). */
  subject: string;
  at: Millis;
}

export interface UnlockAttemptsTable {
  id: string;
  account_id: string;
  at: Millis;
  ok: Flag;
}

export interface AddressBooksTable {
  id: string;
  account_id: string;
  name: string;
  selected: Defaulted<Flag>;
  created_at: Millis;
}

export interface ContactsTable {
  id: string;
  book_id: string;
  name: string;
  email: string;
  email_lower: string;
  created_at: Millis;
}

export interface ContactCertificatesTable {
  id: string;
  contact_id: string;
  certificate: Uint8Array;
  sha256: string;
  /** The certificate's address this entry was filed under, lowercased. */
  email: string;
  not_after: Millis;
  added_at: Millis;
}

export interface MailboxesTable {
  id: string;
  account_id: string;
  name: string;
  created_at: Millis;
}

export type SecurityKind = "plain" | "signed" | "encrypted" | "signed+encrypted";

export interface MessagesTable {
  id: string;
  mailbox_id: string;
  /** Key in the blob store (blob-store.ts) holding the exact raw bytes. */
  blob_id: string;
  message_id: string | null;
  from_text: string;
  to_text: string;
  cc_text: string;
  subject: string;
  /** Lowercased copies for engine-independent, case-insensitive search. */
  subject_lower: string;
  from_lower: string;
  /** The Date header (epoch ms), else the time of arrival. */
  date: Millis;
  size: number;
  seen: Defaulted<Flag>;
  flagged: Defaulted<Flag>;
  deleted: Defaulted<Flag>;
  security: Defaulted<SecurityKind>;
  cipher: string | null;
  created_at: Millis;
}

/** One row per blob; its bytes are in message_blob_chunks (see mail/blob-store.ts). */
export interface MessageBlobsTable {
  id: string;
  size: number;
  created_at: Millis;
  /** 1 while a staged write has not been claimed by a commit (swept by age). */
  staged: Defaulted<Flag>;
}

/** BLOB_CHUNK_BYTES of a blob at position `seq` (from 0); the last one shorter, none for an empty blob. */
export interface MessageBlobChunksTable {
  blob_id: string;
  seq: number;
  data: Uint8Array;
}

export interface RulesTable {
  id: string;
  domain_id: string | null;
  account_id: string | null;
  name: string;
  /** 1 (first) … 9; null = inactive. */
  priority: number | null;
  match_mode: Defaulted<"all" | "any">;
  /** JSON (rules/rule-types.ts): the public contract. */
  conditions: string;
  actions: string;
  stop: Defaulted<Flag>;
  created_at: Millis;
  /** Order among rules of the same owner and priority (Move Up / Move Down); ties by creation. */
  position: Defaulted<number>;
}

export type JobState = "queued" | "leased" | "done" | "dead";

export interface JobsTable {
  id: string;
  kind: string;
  payload: Uint8Array | null;
  /** A message blob the job owns (an outgoing message over one chunk); deleted when the job completes. */
  blob_id: string | null;
  state: Defaulted<JobState>;
  attempts: Defaulted<number>;
  max_attempts: number;
  run_at: Millis;
  lease_until: Millis | null;
  leased_by: string | null;
  last_error: string | null;
  created_at: Millis;
  completed_at: Millis | null;
}

export type BulkKind = "encrypt" | "decrypt" | "re-encrypt";
export type BulkState = "running" | "cancelled" | "done" | "stopped";

/** One Encrypt All / Decrypt All / re-encrypt run over a mailbox (bulk/bulk-runs.ts). */
export interface BulkRunsTable {
  id: string;
  account_id: string;
  mailbox_id: string;
  kind: BulkKind;
  state: BulkState;
  cancel_requested: Defaulted<Flag>;
  total: Defaulted<number>;
  done: Defaulted<number>;
  skipped: Defaulted<number>;
  failed: Defaulted<number>;
  error: string | null;
  created_at: Millis;
  /** Heartbeat of the process running it. */
  updated_at: Millis;
  finished_at: Millis | null;
}

/** A maintenance step over existing data that has finished once (mail/reclassify-stored.ts). */
export interface StoreMaintenanceTable {
  name: string;
  done_at: Millis;
}

export interface Database {
  domains: DomainsTable;
  trust_anchors: TrustAnchorsTable;
  accounts: AccountsTable;
  secure_mail_keys: SecureMailKeysTable;
  server_ca: ServerCaTable;
  issued_certificates: IssuedCertificatesTable;
  unlock_sessions: UnlockSessionsTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  unlock_attempts: UnlockAttemptsTable;
  address_books: AddressBooksTable;
  contacts: ContactsTable;
  contact_certificates: ContactCertificatesTable;
  mailboxes: MailboxesTable;
  messages: MessagesTable;
  message_blobs: MessageBlobsTable;
  message_blob_chunks: MessageBlobChunksTable;
  rules: RulesTable;
  jobs: JobsTable;
  store_maintenance: StoreMaintenanceTable;
  bulk_runs: BulkRunsTable;
}
