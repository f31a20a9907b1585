import { isUtf8 } from "node:buffer";
import { CoreError } from "../errors.js";
import { base64Decode, qpDecode } from "../mime/base64.js";
import { asBuffer, concatBytes } from "../mime/bytes.js";
import { toCanonicalCrlf } from "../mime/canonicalize.js";
import { resolveMimeLimits } from "../mime/limits.js";
import { splitMultipart } from "../mime/multipart.js";
import {
  entityContentType,
  entityTransferEncoding,
  getHeader,
  type MimeEntity,
  parseEntity,
  parseEntityAt,
} from "../mime/parse-entity.js";

/** The body octets of an entity after undoing its Content-Transfer-Encoding (RFC 2045 §6). */
export function decodeEntityBody(entity: MimeEntity): Uint8Array {
  const encoding = (getHeader(entity, "content-transfer-encoding")?.value ?? "7bit").trim().toLowerCase();
  switch (encoding) {
    case "base64":
      return base64Decode(entity.body);
    case "quoted-printable":
      return qpDecode(entity.body);
    case "7bit":
    case "8bit":
    case "binary":
      return entity.body;
    default:
      throw new CoreError("malformed", `unknown Content-Transfer-Encoding "${encoding}"`);
  }
}

/**
 * The entity in canonical form (RFC 8551 §3.1.1): every line ends in CRLF, except inside the
 * body of a `Content-Transfer-Encoding: binary` part, whose octets are never converted (a lone
 * LF in a binary attachment is data, not a line ending). Headers, boundaries, preambles and all
 * other bodies are canonicalised; the result is the input itself when nothing changes.
 */
export function canonicalEntityBytes(entity: MimeEntity): Uint8Array {
  const raw = asBuffer(entity.raw);
  // Fast path: no part can be labelled binary when the word does not occur at all.
  if (raw.indexOf("inary") === -1 && raw.indexOf("INARY") === -1) return toCanonicalCrlf(entity.raw);
  return canonical(entity);
}

function canonical(entity: MimeEntity): Uint8Array {
  const ct = entityContentType(entity);
  if (ct.type === "multipart") {
    let parts: ReturnType<typeof splitMultipart>["parts"];
    try {
      parts = splitMultipart(entity).parts;
    } catch (error) {
      if (error instanceof CoreError && error.code === "limit-exceeded") throw error;
      return toCanonicalCrlf(entity.raw); // not splittable: no part boundaries to respect
    }
    const pieces: Uint8Array[] = [];
    let pos = 0;
    for (const part of parts) {
      pieces.push(toCanonicalCrlf(entity.raw.subarray(pos, part.start - entity.offset)));
      pieces.push(canonical(part.entity));
      pos = part.end - entity.offset;
    }
    pieces.push(toCanonicalCrlf(entity.raw.subarray(pos)));
    return concatBytes(pieces);
  }
  if (ct.mediaType === "message/rfc822" || ct.mediaType === "message/global") {
    const inner = parseEntityAt(
      entity.body,
      resolveMimeLimits(),
      entity.depth + 1,
      entity.offset + entity.bodyOffset,
    );
    return concatBytes([toCanonicalCrlf(entity.raw.subarray(0, entity.bodyOffset)), canonical(inner)]);
  }
  if (entityTransferEncoding(entity) === "binary") {
    return concatBytes([toCanonicalCrlf(entity.raw.subarray(0, entity.bodyOffset)), entity.body]);
  }
  return toCanonicalCrlf(entity.raw);
}

/**
 * Whether decrypted CBC content can be what a sender encrypted (RFC 8551 §3.3: a MIME entity):
 * header fields with no NUL in them, or, for a header-less body, UTF-8 text without NUL.
 * Noise from a wrong key fails this with overwhelming probability once its pad happens to
 * verify (1 in 256), so the caller reports it as the uniform decryption failure instead of
 * handing noise on as decrypted (and a distinct error would be a padding oracle).
 */
export function plausiblePlaintext(content: Uint8Array): boolean {
  if (content.length === 0) return true;
  const entity = parseEntity(content);
  const head = entity.headers.length > 0 ? entity.headerBytes : content;
  return asBuffer(head).indexOf(0) === -1 && (entity.headers.length > 0 || isUtf8(head));
}
