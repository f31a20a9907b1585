/**
 * Prepares an entity for multipart/signed (RFC 8551 §3.1.1–§3.1.3): canonical CRLF line
 * endings and a 7-bit-safe transfer encoding, so that no relay needs to touch the signed
 * bytes. 8bit (or risky 7bit) text becomes quoted-printable, binary data becomes base64;
 * multipart and message/rfc822 entities are walked and only the parts that need it are
 * re-encoded, keeping every other byte (boundaries, preamble, header order) as it was.
 * Header fields with 8-bit bytes are left alone (re-encoding them is not a MIME-layer choice).
 */
import { isAscii } from "node:buffer";
import { base64Encode } from "./base64.js";
import { asBuffer, CR, concatBytes, crlf, isWsp, LF } from "./bytes.js";
import { toCanonicalCrlf } from "./canonicalize.js";
import { normalizeHeaders } from "./headers.js";
import { type MimeLimits, resolveMimeLimits } from "./limits.js";
import { splitMultipart } from "./multipart.js";
import { entityContentType, entityTransferEncoding, type MimeEntity, parseEntityAt } from "./parse-entity.js";
import { qpDecode, qpEncode } from "./quoted-printable.js";

export interface SignableOptions {
  limits?: Partial<MimeLimits>;
}

/**
 * Returns canonical, 7-bit-safe bytes for the entity. An entity that is already safe comes back
 * as its own canonicalised bytes (the very same array when it was canonical already).
 */
export function makeSignable(entity: MimeEntity, options: SignableOptions = {}): Uint8Array {
  return signable(entity, resolveMimeLimits(options.limits));
}

function signable(entity: MimeEntity, limits: MimeLimits): Uint8Array {
  const ct = entityContentType(entity);
  const cte = entityTransferEncoding(entity);
  if (ct.type === "multipart") return signableMultipart(entity, cte, limits);
  if (ct.mediaType === "message/rfc822" || ct.mediaType === "message/global") {
    // RFC 2046 §5.2.1: only 7bit/8bit/binary may encode message/rfc822, so recurse instead.
    const inner = parseEntityAt(entity.body, limits, entity.depth + 1, entity.offset + entity.bodyOffset);
    const body = signable(inner, limits);
    const label = honestLabel(body);
    if (body === inner.raw && label === cte) return toCanonicalCrlf(entity.raw);
    return withBody(entity, body, label === cte ? undefined : label);
  }
  if (cte === "base64") return toCanonicalCrlf(entity.raw);
  if (cte === "quoted-printable") {
    if (isSafe7bit(entity.body)) return toCanonicalCrlf(entity.raw);
    return withBody(entity, qpEncode(qpDecode(entity.body)), undefined);
  }
  if (cte === "binary") return withBody(entity, base64Encode(entity.body), "base64");
  if (cte !== "7bit" && cte !== "8bit") return toCanonicalCrlf(entity.raw); // x-uuencode etc.: leave
  if (isSafe7bit(entity.body)) {
    return cte === "8bit"
      ? withBody(entity, toCanonicalCrlf(entity.body), "7bit")
      : toCanonicalCrlf(entity.raw);
  }
  return ct.type === "text" || ct.type === "message"
    ? withBody(entity, qpEncode(entity.body), "quoted-printable")
    : withBody(entity, base64Encode(entity.body), "base64");
}

/** "7bit" when the bytes are ASCII, else "8bit" (8-bit header fields we do not rewrite). */
function honestLabel(bytes: Uint8Array): string {
  return isAscii(asBuffer(bytes)) ? "7bit" : "8bit";
}

function signableMultipart(entity: MimeEntity, cte: string, limits: MimeLimits): Uint8Array {
  const split = splitMultipart(entity, { limits });
  const pieces: Uint8Array[] = [];
  let changed = false;
  let pos = 0;
  for (const part of split.parts) {
    const start = part.start - entity.offset;
    pieces.push(toCanonicalCrlf(entity.raw.subarray(pos, start)));
    const bytes = signable(part.entity, limits);
    if (bytes !== part.entity.raw) changed = true;
    pieces.push(bytes);
    pos = part.end - entity.offset;
  }
  pieces.push(toCanonicalCrlf(entity.raw.subarray(pos)));
  const bytes = changed ? concatBytes(pieces) : toCanonicalCrlf(entity.raw);
  // RFC 2045 §6.4: a multipart is labelled 7bit/8bit/binary by what its parts now hold.
  const label = honestLabel(bytes);
  if (label === cte) return bytes;
  const whole = parseEntityAt(bytes, limits, entity.depth, entity.offset);
  return withBody(whole, whole.body, label);
}

/**
 * Rebuilds the entity with a new body, its header canonicalised and, when `cte` is given, its
 * Content-Transfer-Encoding replaced (other fields keep their bytes and order).
 */
function withBody(entity: MimeEntity, body: Uint8Array, cte: string | undefined): Uint8Array {
  const fields =
    cte === undefined
      ? [toCanonicalCrlf(entity.headerBytes)]
      : [
          ...entity.headers
            .filter((f) => f.name.toLowerCase() !== "content-transfer-encoding")
            .map((f) => toCanonicalCrlf(f.raw)),
          ...normalizeHeaders([{ name: "Content-Transfer-Encoding", value: cte }]).map((f) => f.raw),
        ];
  return concatBytes([...fields, crlf(), body]);
}

/**
 * True when a 7bit body also survives hostile relays (RFC 5322 §2.1.1, RFC 8551 §3.1.3):
 * ASCII without NUL, lines of at most 998 octets, no trailing whitespace, no line that starts
 * with "From " and no line that is a lone ".".
 */
export function isSafe7bit(body: Uint8Array): boolean {
  const buf = asBuffer(body);
  if (!isAscii(buf) || buf.indexOf(0) !== -1) return false;
  let pos = 0;
  while (pos < buf.length) {
    const lf = buf.indexOf(LF, pos);
    const lineEnd = lf === -1 ? buf.length : lf;
    const end = lineEnd > pos && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    if (end - pos > 998) return false;
    if (end > pos && isWsp(buf[end - 1])) return false;
    if (buf[pos] === 0x46 && buf.toString("latin1", pos, pos + 5) === "From ") return false;
    if (end - pos === 1 && buf[pos] === 0x2e) return false;
    pos = lineEnd + 1;
  }
  return true;
}
