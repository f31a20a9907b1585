import type { SecurityKind } from "../schema.js";
import type { HeaderField } from "./header-reader.js";
import { headerValue } from "./header-reader.js";

export interface MediaType {
  /** type/subtype, lowercased. */
  type: string;
  /** Parameter names lowercased; values unquoted. */
  params: Record<string, string>;
}

/** Content-Type (RFC 2045 §5.1): `type/subtype; name=value; name="quoted value"`. */
export function parseMediaType(value: string | undefined): MediaType {
  if (!value) return { type: "text/plain", params: {} };
  const [head, ...rest] = splitParams(value);
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let v = part.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    params[name] = v;
  }
  return {
    type: (head ?? "")
      .replace(/\([^)]*\)/g, "")
      .trim()
      .toLowerCase(),
    params,
  };
}

function splitParams(value: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '"' && value[i - 1] !== "\\") quoted = !quoted;
    if (c === ";" && !quoted) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

const PKCS7_MIME = new Set(["application/pkcs7-mime", "application/x-pkcs7-mime"]);

/**
 * The security kind as the outer Content-Type tells it (RFC 8551 §3.2, §3.5): an
 * application/pkcs7-mime with smime-type enveloped-data or authEnveloped-data is
 * encrypted, one with signed-data (opaque signing) or a multipart/signed is signed.
 * Whether an encrypted message is also signed inside only shows after decrypting, so
 * "signed+encrypted" is never guessed from the outside: whoever decrypts (core) says so.
 * A pkcs7-mime part without smime-type (old clients) is taken as encrypted when its file
 * name is smime.p7m and nothing says otherwise — the common case for such clients.
 */
export function detectSecurity(fields: readonly HeaderField[]): SecurityKind {
  const media = parseMediaType(headerValue(fields, "Content-Type"));
  if (media.type === "multipart/signed") return "signed";
  if (!PKCS7_MIME.has(media.type)) return "plain";
  const smimeType = media.params["smime-type"]?.toLowerCase();
  if (smimeType === "signed-data") return "signed";
  if (smimeType === "enveloped-data" || smimeType === "authenveloped-data") return "encrypted";
  if (smimeType === "certs-only" || smimeType === "compressed-data") return "plain";
  return "encrypted";
}
