/**
 * Builders that produce exact bytes for S/MIME messages: multipart/signed (RFC 1847 §2.1,
 * RFC 8551 §3.5.3) and application/pkcs7-mime (RFC 8551 §3.2, §3.4, §3.5.2). Output uses CRLF
 * throughout. The signed entity is copied in verbatim, so `signedBytes` equals what was signed.
 */
import { randomBytes } from "node:crypto";
import { DIGESTS, digestByName } from "../algorithms.js";
import { CoreError } from "../errors.js";
import { base64Encode, base64EncodeChunks } from "./base64.js";
import { asBuffer, concatBytes, EMPTY } from "./bytes.js";
import { isCanonical } from "./canonicalize.js";
import { formatParam, isToken } from "./content-type.js";
import { type HeaderInput, isContentField, normalizeHeaders, serializeHeaders } from "./headers.js";

export { makeSignable } from "./make-signable.js";

export interface MultipartSignedInput {
  /** The entity to sign, canonical CRLF: these exact bytes become part 1. */
  signedEntity: Uint8Array;
  /** DER (or BER) ContentInfo of a detached SignedData. */
  signatureDer: Uint8Array;
  /** micalg: "sha-256", a digest name ("SHA-256"), or several of them for several signers. */
  micalg: string | readonly string[];
  /** Message header fields for the outside (From, To, Subject…); no Content-* fields. */
  outerHeaders?: readonly HeaderInput[] | Uint8Array;
  /** Add "MIME-Version: 1.0" unless outerHeaders have one (default true). */
  mimeVersion?: boolean;
  /** Fixed boundary (tests); it must not occur in the signed entity. Random by default. */
  boundary?: string;
  /** Preamble text for non-MIME readers; null for none. */
  preamble?: string | null;
}

export interface MultipartSignedOutput {
  readonly bytes: Uint8Array;
  /** The exact bytes of part 1 inside `bytes` (a subarray). */
  readonly signedBytes: Uint8Array;
  readonly boundary: string;
  /** Offsets of signedBytes within bytes. */
  readonly signedStart: number;
  readonly signedEnd: number;
}

const SIGNATURE_PART =
  "Content-Type: application/pkcs7-signature; name=smime.p7s\r\n" +
  "Content-Transfer-Encoding: base64\r\n" +
  "Content-Disposition: attachment; filename=smime.p7s\r\n\r\n";

export function buildMultipartSigned(input: MultipartSignedInput): MultipartSignedOutput {
  if (!isCanonical(input.signedEntity)) {
    throw new CoreError("invalid-argument", "signedEntity must use CRLF line endings (canonicalise first)");
  }
  if (input.signatureDer.length === 0) throw new CoreError("invalid-argument", "signatureDer is empty");
  const boundary = chooseBoundary(input.boundary, [input.signedEntity]);
  const micalg = formatMicalg(input.micalg);
  const head = messageHead(input.outerHeaders, input.mimeVersion, "multipart/signed", [
    'protocol="application/pkcs7-signature"',
    formatParam("micalg", micalg),
    formatParam("boundary", boundary),
  ]);
  const preamble = input.preamble === undefined ? "This is an S/MIME signed message" : input.preamble;
  if (preamble !== null && !/^[\x20-\x7e]*$/.test(preamble)) {
    throw new CoreError("invalid-argument", "preamble must be one line of printable ASCII");
  }
  const dash = `--${boundary}`;
  const before = Buffer.from(`\r\n${preamble === null ? "" : `${preamble}\r\n`}${dash}\r\n`, "latin1");
  const signature = asBuffer(base64Encode(input.signatureDer));
  const middle = Buffer.from(`\r\n${dash}\r\n${SIGNATURE_PART}`, "latin1");
  const after = Buffer.from(`${dash}--\r\n`, "latin1");
  // base64Encode ends every line in CRLF; that last CRLF is the close delimiter's (RFC 2046 §5.1.1).
  const bytes = concatBytes([head, before, input.signedEntity, middle, signature, after]);
  const signedStart = head.length + before.length;
  const signedEnd = signedStart + input.signedEntity.length;
  return { bytes, signedBytes: bytes.subarray(signedStart, signedEnd), boundary, signedStart, signedEnd };
}

export type SmimeType =
  | "enveloped-data"
  | "signed-data"
  | "authEnveloped-data"
  | "certs-only"
  | "compressed-data";

const FILE_NAMES: Readonly<Record<SmimeType, string>> = {
  "enveloped-data": "smime.p7m",
  "signed-data": "smime.p7m",
  "authEnveloped-data": "smime.p7m",
  "certs-only": "smime.p7c",
  "compressed-data": "smime.p7z",
};

export interface Pkcs7MimeInput<Source extends Uint8Array | AsyncIterable<Uint8Array>> {
  /** The CMS ContentInfo, whole or as chunks. */
  der: Source;
  smimeType: SmimeType;
  outerHeaders?: readonly HeaderInput[] | Uint8Array;
  mimeVersion?: boolean;
}

/** application/pkcs7-mime with a base64 body in 76-column CRLF lines (RFC 8551 §3.2.1). */
export function buildPkcs7Mime(input: Pkcs7MimeInput<Uint8Array>): Uint8Array;
export function buildPkcs7Mime(input: Pkcs7MimeInput<AsyncIterable<Uint8Array>>): AsyncGenerator<Uint8Array>;
export function buildPkcs7Mime(
  input: Pkcs7MimeInput<Uint8Array | AsyncIterable<Uint8Array>>,
): Uint8Array | AsyncGenerator<Uint8Array> {
  const name = Object.hasOwn(FILE_NAMES, input.smimeType) ? FILE_NAMES[input.smimeType] : undefined;
  if (name === undefined) throw new CoreError("invalid-argument", `unknown smime-type ${input.smimeType}`);
  const head = concatBytes([
    messageHead(input.outerHeaders, input.mimeVersion, "application/pkcs7-mime", [
      `smime-type=${input.smimeType}`,
      `name=${name}`,
    ]),
    Buffer.from(
      `Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=${name}\r\n\r\n`,
      "latin1",
    ),
  ]);
  if (input.der instanceof Uint8Array) return concatBytes([head, base64Encode(input.der)]);
  return streamPkcs7Mime(head, input.der);
}

async function* streamPkcs7Mime(
  head: Uint8Array,
  der: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield head;
  yield* base64EncodeChunks(der);
}

/** Outer fields, MIME-Version, and a folded Content-Type line (no blank line yet). */
function messageHead(
  outer: readonly HeaderInput[] | Uint8Array | undefined,
  mimeVersion: boolean | undefined,
  mediaType: string,
  params: readonly string[],
): Buffer {
  const fields = outer === undefined ? [] : normalizeHeaders(outer);
  const clash = fields.find((f) => isContentField(f.name));
  if (clash) throw new CoreError("invalid-argument", `outerHeaders must not contain ${clash.name}`);
  const hasVersion = fields.some((f) => f.name.toLowerCase() === "mime-version");
  const version = mimeVersion !== false && !hasVersion ? "MIME-Version: 1.0\r\n" : "";
  // Fold before a parameter that would push the line past 76 columns (RFC 5322 §2.1.1, §2.2.3).
  let line = `Content-Type: ${mediaType}`;
  let text = "";
  for (const param of params) {
    if (line.length + param.length + 2 > 76) {
      text += `${line};\r\n`;
      line = ` ${param}`;
    } else {
      line += `; ${param}`;
    }
  }
  const tail = Buffer.from(`${version}${text}${line}\r\n`, "latin1");
  return concatBytes([fields.length === 0 ? EMPTY : serializeHeaders(fields), tail]);
}

/** micalg values (RFC 8551 §3.5.3.2), lowercased and de-duplicated, comma-joined. */
function formatMicalg(micalg: string | readonly string[]): string {
  const items = (typeof micalg === "string" ? micalg.split(",") : micalg)
    .map((m) => m.trim())
    .filter(Boolean);
  if (items.length === 0) throw new CoreError("invalid-argument", "micalg is empty");
  const names = items.map((m) => {
    const known = DIGESTS.find((d) => d.micalg === m.toLowerCase()) ?? digestByName(m);
    const name = known ? known.micalg : m.toLowerCase();
    if (!isToken(name)) throw new CoreError("invalid-argument", `invalid micalg ${JSON.stringify(m)}`);
    return name;
  });
  return [...new Set(names)].join(",");
}

/**
 * A boundary that cannot collide with the content: "=_" can never appear in quoted-printable
 * or base64 output, and we also check the content explicitly (RFC 2046 §5.1.1).
 */
function chooseBoundary(fixed: string | undefined, contents: readonly Uint8Array[]): string {
  const occursIn = (b: string): boolean => contents.some((c) => asBuffer(c).indexOf(`--${b}`) !== -1);
  if (fixed !== undefined) {
    if (!/^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(fixed)) {
      throw new CoreError("invalid-argument", "boundary must be 1..70 RFC 2046 bchars, not ending in space");
    }
    if (occursIn(fixed)) throw new CoreError("invalid-argument", "boundary occurs in the content");
    return fixed;
  }
  for (;;) {
    const candidate = `----=_sealbox_${randomBytes(16).toString("hex")}`;
    if (!occursIn(candidate)) return candidate;
  }
}
