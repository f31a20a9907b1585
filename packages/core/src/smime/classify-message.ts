import type { CipherName } from "../algorithms.js";
import { DEFAULT_BER_LIMITS } from "../asn1/ber-reader.js";
import { CoreError } from "../errors.js";
import { Base64Decoder, base64Decode, qpDecode } from "../mime/base64.js";
import { parseContentType } from "../mime/content-type.js";
import { getHeader, type MimeEntity, parseEntity } from "../mime/parse-entity.js";
import { checkSmimeType, classifyEntity, signedDataShape } from "./classify.js";
import { type CmsShape, sniffCmsShape } from "./stream-sniff.js";

/**
 * How far into the body the classifier looks: the streaming delivery hands it the header block
 * and about this much more. Enough for the base64 of a ContentInfo whose recipientInfos hold
 * a few hundred recipients; a longer one (or a shorter prefix) gets the label's answer.
 */
export const CLASSIFY_BODY_BYTES = 64 * 1024;

export type MessageSecurity = "plain" | "signed" | "encrypted" | "auth-encrypted";

export interface MessageClass {
  /** EnvelopedData is "encrypted", AuthEnvelopedData (RFC 5083) "auth-encrypted". */
  kind: MessageSecurity;
  /** For "signed": multipart/signed (RFC 8551 §3.5.3) or signed-data inside the message (§3.5.2). */
  form: "detached" | "opaque" | null;
  /** The content-encryption algorithm by core's registry name; null when unknown or unread. */
  cipher: CipherName | null;
  /** Its OID, also when core does not support it (then `cipher` is null and `note` says why). */
  cipherOid: string | null;
  /** The ContentInfo contentType OID of an application/pkcs7-mime body, when it was read. */
  contentType: string | null;
  /**
   * "cms": the CMS content decided (RFC 8551 §3.2.2: the OID, not the smime-type label).
   * "headers": the MIME structure decided — a plain message, a multipart/signed, or a pkcs7-mime
   * body whose ContentInfo could not be read (prefix too short, not CMS): then the smime-type
   * label answers as before, with cipher null and `note` saying why.
   */
  basis: "cms" | "headers";
  note: string | null;
}

export interface ClassifyOptions {
  /** Whether `bytes` is the whole message (default) or only its first bytes. */
  complete?: boolean;
  /** parseEntity(bytes), when the caller has it already: it is used instead of parsing again. */
  entity?: MimeEntity;
}

/**
 * The one classification of a stored message's outer layer (RFC 8551 §3.10 identification, the
 * same rules as openMessage): plain, signed (detached or opaque), encrypted or auth-encrypted
 * with its cipher. A pkcs7-mime body is read — base64 undone on the fly, BER with definite or
 * indefinite lengths — as far as the ContentInfo type and the contentEncryptionAlgorithm, from
 * at most the header block plus CLASSIFY_BODY_BYTES of the body, so a prefix of a message being
 * received is enough. A label that contradicts the content loses (the note says so; openMessage
 * refuses such a message). Never throws for message content: whatever cannot be read falls back
 * to the label, which is what the listing showed before.
 */
export function classifyMessage(bytes: Uint8Array, options: ClassifyOptions = {}): MessageClass {
  let entity: MimeEntity;
  try {
    entity = options.entity ?? parseEntity(bytes);
  } catch (error) {
    if (!(error instanceof CoreError)) throw error;
    return result("plain", { note: `the header block cannot be read (${error.message})` });
  }
  const contentType = parseContentType(getHeader(entity, "content-type")?.value);
  const smime = classifyEntity(entity, contentType);
  if (smime === "none") return result("plain");
  if (smime === "multipart-signed") return result("signed", { form: "detached" });

  const label = contentType.params["smime-type"];
  const short = options.complete === false || entity.body.length > CLASSIFY_BODY_BYTES;
  let shape: CmsShape;
  let der: Uint8Array;
  try {
    der = decodedPrefix(entity, short);
    shape = sniffCmsShape(der);
  } catch (error) {
    if (!(error instanceof CoreError)) throw error;
    const why = short ? "the bytes given end before the CMS content type" : error.message;
    return byLabel(label, why);
  }
  const cms = { basis: "cms" as const, contentType: shape.oid, note: contradiction(label, shape) };
  switch (shape.kind) {
    case "enveloped":
    case "authEnveloped":
      return result(shape.kind === "enveloped" ? "encrypted" : "auth-encrypted", {
        ...cms,
        cipher: shape.cipher,
        cipherOid: shape.cipherOid,
        note: cms.note ?? shape.note,
      });
    case "signed": {
      let encapsulated = shape.encapsulated;
      if (encapsulated === null) encapsulated = label?.toLowerCase() !== "certs-only";
      else if (encapsulated && !short) encapsulated = hasSigners(der);
      // No eContent or no signer: a certificate bundle (certs-only), not a signature (as open).
      return encapsulated
        ? result("signed", { ...cms, form: "opaque", note: cms.note ?? shape.note })
        : result("plain", { ...cms, note: cms.note ?? "SignedData without content or signers (certs-only)" });
    }
    default:
      return result("plain", { ...cms, note: cms.note ?? `CMS content type ${shape.oid} protects nothing` });
  }
}

function result(kind: MessageSecurity, fields: Partial<Omit<MessageClass, "kind">> = {}): MessageClass {
  return {
    kind,
    form: null,
    cipher: null,
    cipherOid: null,
    contentType: null,
    basis: "headers",
    note: null,
    ...fields,
  };
}

/** The smime-type label's answer (RFC 8551 §3.2.2), for a body that cannot be read. */
function byLabel(label: string | undefined, note: string): MessageClass {
  switch (label?.toLowerCase()) {
    case "signed-data":
      return result("signed", { form: "opaque", note });
    case "authenveloped-data":
      return result("auth-encrypted", { note });
    case "certs-only":
    case "compressed-data":
      return result("plain", { note });
    default:
      // enveloped-data, or no label at all: old clients left it out of encrypted mail.
      return result("encrypted", { note });
  }
}

function contradiction(label: string | undefined, shape: CmsShape): string | null {
  try {
    checkSmimeType(label, shape.kind, shape.oid);
    return null;
  } catch (error) {
    if (error instanceof CoreError) return `${error.message}: the content decides`;
    throw error;
  }
}

function hasSigners(der: Uint8Array): boolean {
  try {
    return signedDataShape(der, DEFAULT_BER_LIMITS).signerInfos > 0;
  } catch (error) {
    if (error instanceof CoreError) return true; // open says what is wrong; the label stands
    throw error;
  }
}

/** The body's first octets with the transfer encoding undone (RFC 2045 §6); whole when not `short`. */
function decodedPrefix(entity: MimeEntity, short: boolean): Uint8Array {
  let body = entity.body.subarray(0, CLASSIFY_BODY_BYTES);
  const encoding = (getHeader(entity, "content-transfer-encoding")?.value ?? "7bit").trim().toLowerCase();
  if (short && (encoding === "base64" || encoding === "quoted-printable")) {
    // Whole lines only: a cut quantum or "=XX" is no error of the message.
    const lf = body.lastIndexOf(0x0a);
    if (lf >= 0) body = body.subarray(0, lf + 1);
  }
  switch (encoding) {
    case "base64":
      return short ? new Base64Decoder().push(body) : base64Decode(body);
    case "quoted-printable":
      return qpDecode(body);
    case "7bit":
    case "8bit":
    case "binary":
      return body;
    default:
      throw new CoreError("malformed", `unknown Content-Transfer-Encoding "${encoding}"`);
  }
}
