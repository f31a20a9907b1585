import {
  type Certificate,
  type Identity,
  isCoreError,
  type Layer,
  openMessage,
  parseCertificate,
  type SignerReport,
} from "@sealbox/core";
import PostalMime, { type Address, type Email } from "postal-mime";
import { accountById } from "../accounts/accounts.js";
import type { ContactCertificateRepository } from "../address-books/contact-certificates.js";
import type { StoreContext } from "../context.js";
import type { TrustAnchorRepository } from "../domains/trust-anchors.js";
import { StoreError } from "../errors.js";
import { type MessageSummary, markSeen, ownedMessageWithRaw, toSummary } from "../mail/messages.js";
import type { SecureMail } from "../secure-mail/secure-mail.js";
import type { ServerCa } from "../secure-mail/server-ca.js";
import type { KeyAccess } from "../secure-mail/unlock-sessions.js";
import {
  encryptedBanner,
  partVerifiedBy,
  signedBanner,
  signedPartBanner,
  signerDisplay,
  signerProblem,
  WORDS,
} from "./secure-mail-words.js";

export interface CertificateView {
  subject: string;
  issuer: string;
  emails: string[];
  notBefore: string;
  notAfter: string;
  sha256: string;
  serial: string;
}

export interface SignerView {
  /** Position in the layer's SignerInfos (what Take Certificate names). */
  index: number;
  name: string | null;
  email: string | null;
  /** "Name <address>" from the certificate. */
  display: string;
  status: SignerReport["status"];
  valid: boolean;
  /** Core's precise reason. */
  reason: string;
  /** The status in words (secure-mail-words.ts). */
  problem: string | null;
  digest: string;
  signingTime: string | null;
  certificate: CertificateView | null;
  /**
   * The certificate the selected address book holds for the signer's address — the one
   * Take Certificate files under and would replace — or null when it holds none. When it
   * holds several, the one matching the signer's, else the newest.
   */
  storedCertificate: { sha256: string } | null;
  /** The book holds certificates for that address, and not this one: it changed since it was taken. */
  changed: boolean;
}

export type LayerView =
  | {
      type: "encrypted";
      kind: "enveloped" | "authEnveloped";
      cipher: string;
      recipients: number;
      /** "Encrypted AES-256-CBC". */
      banner: string;
    }
  | {
      type: "signed";
      form: "detached" | "opaque";
      digest: string;
      content: string;
      /** "Signed Data (Text SHA-256)", or "Signed Part 1 (Text SHA-256)" for a part's signature. */
      banner: string;
      signers: SignerView[];
      /** At least one signer verified. */
      verified: boolean;
      /** "message": the signature covers what is shown; "part": only the MIME part at `path`. */
      scope: "message" | "part";
      path: string | null;
      /** What heads the list of verifying signers ("Content Unaltered as Verified By:", or the part's form). */
      verifiedBy: string;
    };

export interface AttachmentView {
  index: number;
  filename: string;
  contentType: string;
  size: number;
  inline: boolean;
  contentId: string | null;
  /** An S/MIME part nested in the message: never decrypted in line (EFAIL). */
  smime: boolean;
}

export interface MessageHeadersView {
  subject: string;
  from: string;
  to: string;
  cc: string;
  /** As the message states it: a draft keeps its Bcc when reopened. */
  bcc: string;
  replyTo: string;
  date: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string | null;
}

export interface TakeCertificateView {
  status: "taken" | "already-taken" | "needs-confirmation";
  /** Why confirmation is needed: the signer is not from a trusted authority, or another certificate is stored. */
  why: "untrusted" | "replace" | null;
  /** SHA-256 of the signer's certificate (what the user compares with the sender). */
  fingerprint: string;
  contact: { id: string; name: string; email: string } | null;
  created: boolean;
  replaced: string[];
}

export interface ReadMessageView {
  summary: MessageSummary;
  /**
   * plain: no S/MIME layer. opened: every layer was opened. locked: encrypted, and no unlocked
   * key was offered (nothing of the content is returned). failed: it could not be opened.
   */
  state: "plain" | "opened" | "locked" | "failed";
  failure: { code: string; message: string } | null;
  layers: LayerView[];
  /** The innermost headers: a decrypted message's own headers win over the envelope's. */
  headers: MessageHeadersView;
  text: string | null;
  html: string | null;
  attachments: AttachmentView[];
}

const MAX_CACHED_ANCHORS = 256;

function addressText(list: Address[] | Address | undefined): string {
  const items = list === undefined ? [] : Array.isArray(list) ? list : [list];
  const out: string[] = [];
  for (const a of items) {
    if ("group" in a && a.group)
      out.push(...a.group.map((m) => (m.name ? `${m.name} <${m.address}>` : m.address)));
    else if ("address" in a) out.push(a.name ? `${a.name} <${a.address}>` : a.address);
  }
  return out.join(", ");
}

function headersOf(email: Email | undefined, fallback?: MessageHeadersView): MessageHeadersView {
  const pick = (value: string | undefined, key: keyof MessageHeadersView): string =>
    value !== undefined && value !== "" ? value : ((fallback?.[key] as string | null | undefined) ?? "");
  return {
    subject: pick(email?.subject, "subject"),
    from: pick(addressText(email?.from), "from"),
    to: pick(addressText(email?.to), "to"),
    cc: pick(addressText(email?.cc), "cc"),
    bcc: pick(addressText(email?.bcc), "bcc"),
    replyTo: pick(addressText(email?.replyTo), "replyTo"),
    date: email?.date ?? fallback?.date ?? null,
    messageId: email?.messageId ?? fallback?.messageId ?? null,
    inReplyTo: email?.inReplyTo ?? fallback?.inReplyTo ?? null,
    references: email?.references ?? fallback?.references ?? null,
  };
}

/** The header block of a message (through the blank line), or all of it if it has no body. */
function headerBlock(raw: Uint8Array): Uint8Array {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const crlf = bytes.indexOf("\r\n\r\n");
  const lf = bytes.indexOf("\n\n");
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : bytes.length;
  return bytes.subarray(0, end);
}

function certificateView(cert: Certificate | undefined): CertificateView | null {
  if (!cert) return null;
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    emails: cert.emails,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    sha256: cert.sha256,
    serial: cert.serialHex,
  };
}

function byteLength(content: Email["attachments"][number]["content"]): number {
  return typeof content === "string" ? Buffer.byteLength(content) : content.byteLength;
}

const SMIME_TYPES = new Set([
  "application/pkcs7-mime",
  "application/x-pkcs7-mime",
  "application/pkcs7-signature",
  "application/x-pkcs7-signature",
]);

/**
 * Reading a stored message (web, terminal client): every S/MIME layer opened and judged at
 * the time of reading — signatures against the server CA, the domain's trust anchors and the
 * certificates the message carries; encryption with the account's keys (current and earlier)
 * when an unlocked session or the password is offered — then the innermost entity parsed for
 * display with postal-mime. Only the outermost layers are opened: an encrypted part nested
 * in a multipart is listed as an attachment and never decrypted into the same view as its
 * unencrypted siblings (EFAIL direct exfiltration).
 */
export function readingUseCases(
  ctx: StoreContext,
  deps: {
    secureMail: SecureMail;
    trustAnchors: TrustAnchorRepository;
    ca: ServerCa;
    contactCertificates: ContactCertificateRepository;
  },
) {
  const anchorCache = new Map<string, Certificate>();
  /** Certificates met in messages, parsed once (verifySignedData bounds the map). */
  const certificateCache = new Map<string, Certificate>();

  async function anchorsFor(
    domain: string,
  ): Promise<{ trust: Certificate[]; serverCaSubjects: Set<string> }> {
    // Read every time: a trust change (here, in the CLI, on another node) applies at once.
    // By hash first: the certificates are fetched only when one is not parsed yet.
    const hashes = await deps.trustAnchors.inForceHashes(domain);
    const anchors: Array<{ der?: Uint8Array; sha256: string; source: string }> = hashes.every((a) =>
      anchorCache.has(a.sha256),
    )
      ? hashes
      : await deps.trustAnchors.inForce(domain);
    const out: Certificate[] = [];
    const serverCaSubjects = new Set<string>();
    for (const a of anchors) {
      let cert = anchorCache.get(a.sha256);
      if (!cert) {
        if (!a.der) continue; // cannot happen: inForce carries every certificate
        try {
          cert = parseCertificate(a.der);
        } catch {
          continue; // a damaged anchor row trusts nothing
        }
        if (anchorCache.size >= MAX_CACHED_ANCHORS) anchorCache.clear();
        anchorCache.set(a.sha256, cert);
      }
      out.push(cert);
      if (a.source === "server-ca") serverCaSubjects.add(cert.subject);
    }
    return { trust: out, serverCaSubjects };
  }

  interface Opened {
    summary: MessageSummary;
    raw: Uint8Array;
    state: ReadMessageView["state"];
    failure: ReadMessageView["failure"];
    layers: Layer[];
    content: Uint8Array | null;
    /** The header block inside the encryption (core's protectedHeader). */
    protectedHeader?: Uint8Array | undefined;
  }

  async function open(
    accountId: string,
    messageId: string,
    access: KeyAccess | undefined,
    knownDomain?: string,
  ): Promise<Opened> {
    const { row, raw } = await ownedMessageWithRaw(ctx, accountId, messageId);
    const summary = toSummary(row);
    const domain = knownDomain ?? (await accountById(ctx.db, accountId)).domain;
    const { trust, serverCaSubjects } = await anchorsFor(domain);
    const at = new Date(ctx.now());
    const attempt = (identities?: Identity[]) =>
      openMessage(raw, { trust, at, certificateCache, ...(identities ? { identities } : {}) });
    const failed = (error: unknown): Opened => {
      if (isCoreError(error))
        return {
          summary,
          raw,
          state: "failed",
          failure: { code: error.code, message: error.message },
          layers: [],
          content: null,
        };
      throw error;
    };
    const locked: Opened = { summary, raw, state: "locked", failure: null, layers: [], content: null };
    const keys = async (): Promise<Identity[] | undefined> => {
      if (access === undefined) return undefined;
      try {
        return await deps.secureMail.identities(accountId, access);
      } catch (keyError) {
        if (keyError instanceof StoreError && (keyError.code === "locked" || keyError.code === "no-key"))
          return undefined;
        throw keyError;
      }
    };
    let result: Awaited<ReturnType<typeof openMessage>>;
    // Listed as encrypted: fetch the keys first rather than open it once in vain.
    if (
      access !== undefined &&
      (summary.security === "encrypted" || summary.security === "signed+encrypted")
    ) {
      const identities = await keys();
      if (!identities) return locked;
      try {
        result = await attempt(identities);
      } catch (error) {
        return failed(error);
      }
      return afterOpen(result);
    }
    try {
      result = await attempt();
    } catch (error) {
      if (!isCoreError(error, "not-a-recipient") || !/no private key was offered/.test(error.message))
        return failed(error);
      const identities = await keys();
      if (!identities) return locked;
      try {
        result = await attempt(identities);
      } catch (second) {
        return failed(second);
      }
    }
    return afterOpen(result);

    async function afterOpen(result: Awaited<ReturnType<typeof openMessage>>): Promise<Opened> {
      // The server CA's own revocations apply at once, without waiting for a CRL (asked only
      // about certificates the server CA issued: no other is in its table).
      for (const layer of result.layers) {
        if (layer.type !== "signed") continue;
        for (const signer of layer.signers) {
          if (
            !signer.certificate ||
            signer.status === "bad-signature" ||
            !serverCaSubjects.has(signer.certificate.issuer)
          )
            continue;
          const revocation = await deps.ca.revocation(signer.certificate.sha256);
          if (!revocation || signedBeforeRetirement(signer.signingTime, summary.date, revocation)) continue;
          signer.status = "revoked";
          signer.reason = "the server CA revoked this certificate";
        }
      }
      return {
        summary,
        raw,
        state: result.layers.length === 0 ? "plain" : "opened",
        failure: null,
        layers: result.layers,
        content: result.content,
        protectedHeader: result.protectedHeader,
      };
    }
  }

  type Held = Map<string, Array<{ sha256: string }>>;

  /** The selected book's certificates for every signer's address, in one query (only for signed mail). */
  async function heldFor(accountId: string, layers: Layer[]): Promise<Held> {
    const addresses = layers.flatMap((l) =>
      l.type === "signed" ? l.signers.flatMap((s) => s.certificate?.emails.slice(0, 1) ?? []) : [],
    );
    if (addresses.length === 0) return new Map();
    return deps.contactCertificates.heldInSelectedBook(accountId, addresses);
  }

  function stored(
    held: Held,
    cert: Certificate | undefined,
  ): Pick<SignerView, "storedCertificate" | "changed"> {
    // The address Take Certificate files a certificate under.
    const address = cert?.emails[0]?.toLowerCase();
    const list = (address && held.get(address)) || [];
    if (!cert || list.length === 0) return { storedCertificate: null, changed: false };
    const same = list.find((c) => c.sha256 === cert.sha256);
    return {
      storedCertificate: { sha256: (same ?? list[0])?.sha256 ?? "" },
      changed: same === undefined,
    };
  }

  function layerView(layer: Layer, held: Held): LayerView {
    if (layer.type === "encrypted")
      return {
        type: "encrypted",
        kind: layer.kind,
        cipher: layer.cipher,
        recipients: layer.recipients,
        banner: encryptedBanner(layer.cipher),
      };
    const signers: SignerView[] = layer.signers.map((s, index) => ({
      index,
      name: s.name,
      email: s.email,
      display: signerDisplay(s.name, s.email),
      status: s.status,
      valid: s.status === "valid",
      reason: s.reason,
      problem: s.status === "valid" ? null : signerProblem(s.status),
      digest: s.digest,
      signingTime: s.signingTime,
      certificate: certificateView(s.certificate),
      ...stored(held, s.certificate),
    }));
    const valid = signers.filter((s) => s.valid);
    const part = layer.scope === "part" ? (layer.path ?? "?") : null;
    // "Text" for text/*, "Multipart" for multipart/*, else the media type itself.
    const content =
      layer.content === "Text" || layer.content === "Multipart" ? layer.content : layer.mediaType;
    return {
      type: "signed",
      form: layer.form,
      // The banner names the digest as verified: a valid signer's, else the first signer's.
      digest: valid[0]?.digest ?? layer.digest,
      content,
      banner: part
        ? signedPartBanner(part, content, valid[0]?.digest ?? layer.digest)
        : signedBanner(content, valid[0]?.digest ?? layer.digest),
      signers,
      verified: valid.length > 0,
      scope: part ? "part" : "message",
      path: part,
      verifiedBy: part ? partVerifiedBy(part) : WORDS.verifiedBy,
    };
  }

  async function parseForDisplay(bytes: Uint8Array): Promise<Email> {
    return PostalMime.parse(bytes, { attachmentEncoding: "arraybuffer", maxNestingDepth: 64 });
  }

  return {
    /** The message as a reader sees it; `markSeen` sets the seen flag (not while locked). */
    async read(
      accountId: string,
      messageId: string,
      options: { access?: KeyAccess; markSeen?: boolean; domain?: string } = {},
    ): Promise<ReadMessageView> {
      const opened = await open(accountId, messageId, options.access, options.domain);
      // An opened message's body is the decrypted/signed content: of the envelope only the
      // header block is needed (parsing the whole base64 body again would double the work).
      const outer = await parseForDisplay(
        opened.state === "plain" ? opened.raw : headerBlock(opened.raw),
      ).catch(() => undefined);
      const outerHeaders = headersOf(outer);
      const held = await heldFor(accountId, opened.layers);
      const layers = opened.layers.map((l) => layerView(l, held));
      const base = {
        summary: opened.summary,
        state: opened.state,
        failure: opened.failure,
        layers,
        headers: outerHeaders,
        text: null,
        html: null,
        attachments: [],
      };
      if (opened.state === "locked" || opened.state === "failed" || !opened.content) return base;
      const inner =
        opened.state === "plain" ? outer : await parseForDisplay(opened.content).catch(() => undefined);
      if (!inner) return base;
      if (options.markSeen && !opened.summary.flags.includes("seen")) {
        await markSeen(ctx.db, messageId);
        opened.summary.flags = [...opened.summary.flags, "seen"];
      }
      return {
        ...base,
        // The encrypted message's own header (the real Subject when the envelope hides it), then the envelope's.
        // The header the signatures were checked against: the encrypted message's own (the
        // real Subject when the envelope hides it), else the envelope's — never one the signed
        // content carries, which may name a sender no signature was checked against.
        headers: opened.protectedHeader
          ? headersOf(
              await parseForDisplay(Buffer.concat([opened.protectedHeader, Buffer.from("\r\n")])).catch(
                () => undefined,
              ),
              outerHeaders,
            )
          : outerHeaders,
        text: inner.text ?? null,
        html: inner.html ?? null,
        attachments: inner.attachments.map((a, index) => ({
          index,
          filename: a.filename ?? `part-${index + 1}`,
          contentType: a.mimeType || "application/octet-stream",
          size: byteLength(a.content),
          inline: a.disposition === "inline" || a.related === true,
          contentId: a.contentId ?? null,
          smime: SMIME_TYPES.has(a.mimeType.toLowerCase()),
        })),
      };
    },

    /** One attachment's bytes (opening the message again, so the same keys are needed). */
    async attachment(
      accountId: string,
      messageId: string,
      index: number,
      options: { access?: KeyAccess } = {},
    ) {
      const opened = await open(accountId, messageId, options.access);
      if (opened.state === "locked")
        throw new StoreError("locked", "Secure Mail is locked; unlock it to open this attachment");
      if (!opened.content) throw new StoreError("not-found", "the message could not be opened");
      const email = await parseForDisplay(opened.state === "plain" ? opened.raw : opened.content);
      const a = email.attachments[index];
      if (!a) throw new StoreError("not-found", `no attachment ${index}`);
      const content =
        typeof a.content === "string" ? Buffer.from(a.content) : new Uint8Array(a.content as ArrayBuffer);
      return {
        filename: a.filename ?? `part-${index + 1}`,
        contentType: a.mimeType || "application/octet-stream",
        content,
      };
    },

    /**
     * Take Certificate: files a signer's certificate, with the name and address the
     * certificate states, in the account's selected address book. Only a signer whose
     * signature verified may be taken: a certificate from a failed signature (altered content,
     * wrong address, revoked, expired…) would later receive the mail encrypted to that address.
     * A signer that verified but chains to no trusted authority is taken only after the user
     * confirms (having checked the fingerprint with the sender); so is a certificate that would
     * replace a different one already stored for the address.
     */
    async takeCertificate(
      accountId: string,
      messageId: string,
      signer: { layer: number; index: number },
      options: { access?: KeyAccess; confirm?: boolean } = {},
    ): Promise<TakeCertificateView> {
      const opened = await open(accountId, messageId, options.access);
      if (opened.state === "locked")
        throw new StoreError("locked", "Secure Mail is locked; unlock it to read the signature");
      const layer = opened.layers[signer.layer];
      if (layer?.type !== "signed") throw new StoreError("not-found", "no such signature layer");
      const report = layer.signers[signer.index];
      const cert = report?.certificate;
      if (!report || !cert)
        throw new StoreError("not-found", "that signer's certificate is not in the message");
      if (report.status !== "valid" && report.status !== "untrusted")
        throw new StoreError(
          "forbidden",
          `the signature of ${signerDisplay(report.name, report.email)} did not verify (${report.reason}); its certificate is not taken`,
        );
      const fingerprint = cert.sha256;
      if (report.status === "untrusted" && !options.confirm)
        return {
          status: "needs-confirmation",
          why: "untrusted",
          fingerprint,
          contact: null,
          created: false,
          replaced: [],
        };
      const taken = await deps.contactCertificates.take(accountId, cert, {
        confirm: options.confirm === true,
      });
      return {
        status: taken.status,
        why: taken.status === "needs-confirmation" ? "replace" : null,
        fingerprint,
        contact: { id: taken.contact.id, name: taken.contact.name, email: taken.contact.email },
        created: taken.created,
        replaced: taken.replaced,
      };
    },
  };
}

export type Reading = ReturnType<typeof readingUseCases>;

/**
 * Reasons that retire a key without saying it was compromised (RFC 5280 §5.3.1): a renewal
 * revokes the old certificate as superseded. What that key signed before then stays valid,
 * so renewing does not turn the account's old signed mail into "revoked".
 */
const RETIRED = new Set(["superseded", "cessationOfOperation", "affiliationChanged"]);

function signedBeforeRetirement(
  signingTime: string | null,
  messageDate: number,
  revocation: { revokedAt: number; reason: string | null },
): boolean {
  if (!revocation.reason || !RETIRED.has(revocation.reason)) return false;
  // The signer's own claim, or failing that the message's date: either may be chosen by the
  // sender, which matters not, as neither reason says anyone else holds the key.
  const signedAt = signingTime ? Date.parse(signingTime) : messageDate;
  return Number.isFinite(signedAt) && signedAt < revocation.revokedAt;
}
