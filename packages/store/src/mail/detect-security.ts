import { parseContentType } from "@sealbox/core";
import type { SecurityKind } from "../schema.js";
import { type HeaderField, headerValue } from "./header-reader.js";

const PKCS7_MIME = new Set(["application/pkcs7-mime", "application/x-pkcs7-mime"]);

/**
 * The security kind as the outer Content-Type tells it (RFC 8551 §3.2, §3.5): an
 * application/pkcs7-mime with smime-type enveloped-data or authEnveloped-data is
 * encrypted, one with signed-data (opaque signing) or a multipart/signed is signed.
 * Whether an encrypted message is also signed inside only shows after decrypting, so
 * "signed+encrypted" is never guessed from the outside: whoever decrypts (core) says so.
 * A pkcs7-mime part without smime-type (old clients) is taken as encrypted — the common
 * case for such clients; core's inspection (deliver's `inspect`) can say otherwise.
 */
export function detectSecurity(fields: readonly HeaderField[]): SecurityKind {
  const type = parseContentType(headerValue(fields, "Content-Type"));
  if (type.mediaType === "multipart/signed") return "signed";
  if (!PKCS7_MIME.has(type.mediaType)) return "plain";
  const smimeType = type.params["smime-type"]?.toLowerCase();
  if (smimeType === "signed-data") return "signed";
  if (smimeType === "enveloped-data" || smimeType === "authenveloped-data") return "encrypted";
  if (smimeType === "certs-only" || smimeType === "compressed-data") return "plain";
  return "encrypted";
}
