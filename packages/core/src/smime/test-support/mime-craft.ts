/**
 * Hand-made MIME for the message tests, deliberately independent of our mime/ parser and
 * builders: plain string searches take S/MIME messages apart (to feed CMS to gpgsm and NSS, or
 * to flip a byte inside the base64) and string templates wrap peers' CMS the way Thunderbird,
 * Outlook, Kleopatra or a relabelling gateway would.
 */

const B64_LINE = 76;

/** Base64 in lines of `width` columns, each ended by `eol` (RFC 2045 §6.8). */
export function base64Lines(der: Uint8Array, eol = "\r\n", width = B64_LINE): string {
  const text = Buffer.from(der).toString("base64");
  let out = "";
  for (let i = 0; i < text.length; i += width) out += `${text.slice(i, i + width)}${eol}`;
  return out;
}

/** The header block (unfolded) and the offset of the body after the first blank line. */
export function headerAndBody(message: Uint8Array): { header: string; bodyStart: number } {
  const text = Buffer.from(message).toString("latin1");
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) throw new Error("no blank line after the header");
  return { header: text.slice(0, m.index).replace(/\r?\n[ \t]+/g, " "), bodyStart: m.index + m[0].length };
}

function boundaryOf(header: string): string {
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(header);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new Error("no boundary parameter");
  return boundary;
}

/**
 * multipart/signed taken apart: part 1 exactly as signed (the CRLF before a delimiter is the
 * delimiter's, RFC 2046 §5.1.1) and the signature part's DER.
 */
export function detachedParts(message: Uint8Array): {
  signed: Buffer;
  signatureDer: Buffer;
  boundary: string;
  /** Offsets of the signature part's base64 text in the message. */
  base64Start: number;
  base64End: number;
} {
  const buf = Buffer.from(message);
  const { header, bodyStart } = headerAndBody(buf);
  const boundary = boundaryOf(header);
  const dash = `--${boundary}`;
  const first = buf.indexOf(`${dash}`, bodyStart, "latin1");
  if (first === -1) throw new Error("no first delimiter");
  const eolAfterFirst = buf.indexOf("\n", first);
  const signedStart = eolAfterFirst + 1;
  const crlf = buf[eolAfterFirst - 1] === 0x0d;
  const eol = crlf ? "\r\n" : "\n";
  const second = buf.indexOf(`${eol}${dash}${eol}`, signedStart, "latin1");
  if (second === -1) throw new Error("no second delimiter");
  const signed = buf.subarray(signedStart, second);
  const partStart = second + eol.length + dash.length + eol.length;
  const close = buf.indexOf(`${eol}${dash}--`, partStart, "latin1");
  if (close === -1) throw new Error("no close delimiter");
  const part = buf.subarray(partStart, close);
  const { bodyStart: b64 } = headerAndBody(part);
  const base64Start = partStart + b64;
  return {
    signed,
    signatureDer: Buffer.from(buf.toString("latin1", base64Start, close), "base64"),
    boundary,
    base64Start,
    base64End: close,
  };
}

/** The CMS inside a top-level application/pkcs7-mime (or .p7m octet-stream) message. */
export function pkcs7Der(message: Uint8Array): Buffer {
  const { bodyStart } = headerAndBody(message);
  return Buffer.from(Buffer.from(message).toString("latin1", bodyStart), "base64");
}

/** True when the top-level Content-Type is multipart/signed. */
export function isMultipartSigned(message: Uint8Array): boolean {
  return /^content-type:\s*multipart\/signed/im.test(headerAndBody(message).header);
}

/** The CMS of either form: the signature part's DER, or the pkcs7-mime body's. */
export function cmsOf(message: Uint8Array): Buffer {
  return isMultipartSigned(message) ? detachedParts(message).signatureDer : pkcs7Der(message);
}

/**
 * Decodes the message's base64 CMS, lets `mutate` change the DER, and writes it back
 * re-encoded in 76-column lines; every other byte of the message stays as it was.
 */
export function rewriteCms(message: Uint8Array, mutate: (der: Buffer) => Buffer): Buffer {
  const buf = Buffer.from(message);
  if (isMultipartSigned(buf)) {
    const parts = detachedParts(buf);
    const eol = buf.indexOf("\r\n", parts.base64Start) === -1 ? "\n" : "\r\n";
    const body = base64Lines(mutate(Buffer.from(parts.signatureDer)), eol);
    // the delimiter's own CRLF follows base64End; base64Lines ends in one, so drop ours
    return Buffer.concat([
      buf.subarray(0, parts.base64Start),
      Buffer.from(body.slice(0, -eol.length), "latin1"),
      buf.subarray(parts.base64End),
    ]);
  }
  const { bodyStart } = headerAndBody(buf);
  const eol = buf.indexOf("\r\n") === -1 ? "\n" : "\r\n";
  return Buffer.concat([
    buf.subarray(0, bodyStart),
    Buffer.from(base64Lines(mutate(pkcs7Der(buf)), eol), "latin1"),
  ]);
}

/** A copy of `bytes` with one byte XORed (never a no-op: the mask is forced non-zero). */
export function flipByte(bytes: Uint8Array, index: number, mask = 0x01): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] as number) ^ (mask & 0xff || 0x01);
  return copy;
}

export interface SignedShape {
  /** Outer header lines (From, To, Subject…), no line endings. */
  headers?: string[];
  /** Part 1, the exact signed bytes (CRLF unless the whole message uses LF). */
  signed: Uint8Array;
  signatureDer: Uint8Array;
  /** Default application/pkcs7-signature; Outlook wrote application/x-pkcs7-signature. */
  signatureType?: string;
  /** The protocol parameter, default = signatureType. */
  protocol?: string;
  /** Default "sha-256"; null leaves micalg out. */
  micalg?: string | null;
  /** Write parameter names (and the media types) in upper case, as some gateways do. */
  upperCase?: boolean;
  eol?: "\r\n" | "\n";
  boundary?: string;
}

/** multipart/signed as a mail client sends it (RFC 1847 §2.1, RFC 8551 §3.5.3). */
export function wrapSigned(shape: SignedShape): Buffer {
  const eol = shape.eol ?? "\r\n";
  const sigType = shape.signatureType ?? "application/pkcs7-signature";
  const protocol = shape.protocol ?? sigType;
  const boundary = shape.boundary ?? `----=_Part_${Math.random().toString(36).slice(2)}`;
  const up = (s: string) => (shape.upperCase ? s.toUpperCase() : s);
  const micalg = shape.micalg === null ? "" : `; ${up("micalg")}=${shape.micalg ?? "sha-256"}`;
  const head = [
    ...(shape.headers ?? []),
    "MIME-Version: 1.0",
    `Content-Type: ${up("multipart/signed")}; ${up("protocol")}="${protocol}"${micalg};`,
    `\t${up("boundary")}="${boundary}"`,
    "",
    "This is a cryptographically signed message in MIME format.",
    "",
    `--${boundary}`,
  ].join(eol);
  const sigPart = [
    "",
    `--${boundary}`,
    `Content-Type: ${sigType}; ${up("name")}="smime.p7s"`,
    "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="smime.p7s"',
    "Content-Description: S/MIME Cryptographic Signature",
    "",
    "",
  ].join(eol);
  return Buffer.concat([
    Buffer.from(`${head}${eol}`, "latin1"),
    Buffer.from(shape.signed),
    Buffer.from(sigPart, "latin1"),
    Buffer.from(`${base64Lines(shape.signatureDer, eol)}${eol}--${boundary}--${eol}`, "latin1"),
  ]);
}

/** An application/pkcs7-mime-like message around `der` with the Content-Type line given. */
export function wrapPkcs7(options: {
  headers?: string[];
  contentType: string;
  der: Uint8Array;
  disposition?: string | null;
  eol?: "\r\n" | "\n";
}): Buffer {
  const eol = options.eol ?? "\r\n";
  const disposition =
    options.disposition === null
      ? []
      : [options.disposition ?? 'Content-Disposition: attachment; filename="smime.p7m"'];
  const head = [
    ...(options.headers ?? []),
    "MIME-Version: 1.0",
    options.contentType,
    "Content-Transfer-Encoding: base64",
    ...disposition,
    "",
    "",
  ].join(eol);
  return Buffer.from(`${head}${base64Lines(options.der, eol)}`, "latin1");
}

/** Every CRLF made LF, as a Unix mbox or Maildir copy stores a message. */
export function toLf(bytes: Uint8Array): Buffer {
  return Buffer.from(Buffer.from(bytes).toString("latin1").replace(/\r\n/g, "\n"), "latin1");
}

/** Every bare LF made CRLF (what the signer hashed when it was handed LF text). */
export function toCrlf(bytes: Uint8Array): Buffer {
  return Buffer.from(Buffer.from(bytes).toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");
}
