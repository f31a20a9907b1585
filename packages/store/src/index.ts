export type {
  AccountSettings,
  ComposeSettings,
  GeneralSettings,
  PasswordChange,
  PasswordChangeOptions,
} from "./accounts/account-settings.js";
export { type Account, type AccountChanges, type NewAccount, ROLES } from "./accounts/accounts.js";
export { type MailAddress, parseAddress } from "./accounts/address.js";
export { clientKey } from "./accounts/client-key.js";
export type { LoginOptions, LoginResult } from "./accounts/login.js";
export { LOGIN_LIMITS } from "./accounts/login-guard.js";
export { DEFAULT_SCRYPT, hashPassword, type ScryptParams, verifyPassword } from "./accounts/password-hash.js";
export type { AddressBook, AddressBookWithCount } from "./address-books/address-books.js";
export type {
  CertificateLike,
  ContactCertificate,
  TakeCertificateResult,
} from "./address-books/contact-certificates.js";
export type { Contact, ContactInput } from "./address-books/contacts.js";
export type { Bulk, BulkKind, BulkMessageEvent, BulkRun, BulkStartOptions } from "./bulk/bulk.js";
export { isStorageFull } from "./db-errors.js";
export type {
  DeliverOptions,
  DeliveryResult,
  EncryptForAccount,
  StoredCopy,
} from "./delivery/deliver.js";
export type { DeliverManyOptions, DeliverManyResult } from "./delivery/deliver-many.js";
export { joinDer, splitDer } from "./der-list.js";
export type { DirectoryListing } from "./directory/list-directory.js";
export type { DirectoryEntry } from "./directory/lookup-directory.js";
export { normalizeDomain } from "./domains/domain-name.js";
export {
  DEFAULT_ALLOWED_CIPHERS,
  type Domain,
  type DomainSettings,
  writableCipher,
} from "./domains/domains.js";
export type { AnchorCertificate, TrustAnchor } from "./domains/trust-anchors.js";
export { StoreError, type StoreErrorCode } from "./errors.js";
export { newId } from "./ids.js";
export { type BackoffPolicy, DEFAULT_BACKOFF, retryDelay } from "./jobs/backoff.js";
export type { Job, JobQueueOptions, QueueStats } from "./jobs/jobs.js";
export { type StoreLogger, silentLogger, stderrLogger } from "./logger.js";
export { BLOB_CHUNK_BYTES, type BlobStore, STAGED_GRACE_MS, tableBlobStore } from "./mail/blob-store.js";
export {
  type HeaderBlock,
  headerValue,
  headerValues,
  readHeader,
  requireHeader,
} from "./mail/header-reader.js";
export {
  HEADER_CAPTURE_BYTES,
  type IncomingMessage,
  incomingMessage,
  type MessageSource,
} from "./mail/incoming-message.js";
export {
  type Mailbox,
  type MailboxWithCounts,
  normalizeMailboxName,
  STANDARD_MAILBOXES,
} from "./mail/mailboxes.js";
export {
  extractMetadata,
  formatAddress,
  listedSecurity,
  type MessageMetadata,
} from "./mail/message-metadata.js";
export type { MessagePage, PageOptions } from "./mail/message-page.js";
export {
  type AppendOptions,
  MESSAGE_FLAGS,
  type MessageFlag,
  type MessageSummary,
  SECURITY_KINDS,
} from "./mail/messages.js";
export { LATEST_SCHEMA_VERSION, type OpenStoreOptions, openStore, type Store } from "./open-store.js";
export type { OutgoingJobs, QueuedOutgoing } from "./outgoing/outgoing-jobs.js";
export {
  decodeOutgoing,
  decodeOutgoingPayload,
  encodeOutgoing,
  OUTGOING_JOB_KIND,
  type OutgoingEnvelope,
  type OutgoingMessage,
  type OutgoingPayload,
} from "./outgoing/outgoing-message.js";
export { describeCertificate, keyDescription, readCertificateFile } from "./reading/certificate-file.js";
export type {
  AttachmentView,
  CertificateView,
  LayerView,
  MessageHeadersView,
  Reading,
  ReadMessageView,
  SignerView,
  TakeCertificateView,
} from "./reading/read-message.js";
export {
  encryptedBanner,
  fingerprintText,
  signedBanner,
  signerDisplay,
  signerProblem,
  timeLeft,
  WORDS,
} from "./reading/secure-mail-words.js";
export {
  evaluateRules,
  type PlannedAction,
  type RuleMessage,
  type ScopedRule,
} from "./rules/evaluate-rules.js";
export { globMatch } from "./rules/glob.js";
export {
  actionText,
  conditionText,
  parseActionText,
  parseConditionText,
  ruleText,
} from "./rules/rule-text.js";
export {
  CONDITION_FIELDS,
  CONDITION_OPS,
  type ConditionField,
  type ConditionOp,
  conditionOpsFor,
  DEFAULT_PRIORITY,
  MARKS,
  RULE_ACTIONS,
  type RuleAction,
  type RuleActionName,
  type RuleCondition,
  type RuleDefinition,
  validateRule,
} from "./rules/rule-types.js";
export { type RuleOwner, ruleJson, type StoredRule } from "./rules/rules.js";
export type { Flag, JobState, Role, SecurityKind } from "./schema.js";
export type { MessageCrypto, ReEncryptResult } from "./secure-mail/message-crypto.js";
export { FAILURE_WINDOW_MS, FREE_FAILURES } from "./secure-mail/password-guard.js";
export type { GeneratedKeyAlgorithm, SecureMail, SecureMailStatus } from "./secure-mail/secure-mail.js";
export {
  CA_CERTIFICATE_PATH,
  CRL_PATH,
  crlUrlFor,
  type IssuedCertificateRecord,
  REVOCATION_REASONS,
  type RevocationReason,
  type RevocationTarget,
  SERVER_CA_NAME,
  type ServerCa,
  type ServerCaInfo,
} from "./secure-mail/server-ca.js";
export { resolveServerSecret, SERVER_SECRET_FILE } from "./secure-mail/server-secret.js";
export type { KeyAccess, LockState } from "./secure-mail/unlock-sessions.js";
export type { ComposeAttachment, ComposeInput } from "./sending/compose.js";
export type { Composer, RecipientCertificateStatus } from "./sending/composer.js";
export type { SendOptions, SendResult } from "./sending/send.js";
export { SESSION_IDLE_MS, SESSION_MAX_MS, type SignedInSession } from "./sessions/sessions.js";
export {
  cleanSpool,
  SPOOL_MEMORY_BELOW,
  SpoolError,
  SpooledMessage,
  type SpoolLocation,
  type SpoolResult,
  type SpoolWriteOptions,
  spoolDir,
  spoolMessage,
} from "./spool/spool.js";
export { defaultStoreUrl, parseStoreUrl, type StoreLocation } from "./store-url.js";
