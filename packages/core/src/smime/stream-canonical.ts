/**
 * Streaming twin of body.ts canonicalEntityBytes (RFC 8551 §3.1.1): every line ends in CRLF,
 * except inside the body of a `Content-Transfer-Encoding: binary` entity, whose octets are
 * data. Multiparts and message/rfc822 are walked as they stream (on the raw bytes, LF-only
 * input included) so a binary part deep inside is found; everything else goes through
 * CrlfCanonicalizer (Buffer.indexOf scanning, copies only where a line ending changes).
 */
import { CoreError } from "../errors.js";
import { toCanonicalCrlf } from "../mime/canonicalize.js";
import { type MimeLimits, resolveMimeLimits } from "../mime/limits.js";
import { entityContentType, entityTransferEncoding, type MimeEntity } from "../mime/parse-entity.js";
import { type ByteTransform, canonicalLines, EntityTransform, withHead } from "./stream-entity.js";
import { MultipartWalk } from "./stream-multipart.js";

export function canonicalTransform(entity: MimeEntity, limits: MimeLimits): ByteTransform {
  const ct = entityContentType(entity);
  const head = toCanonicalCrlf(entity.raw);
  if (ct.type === "multipart") {
    const boundary = ct.params.boundary;
    if (entity.depth + 1 > limits.maxDepth)
      throw new CoreError("limit-exceeded", `MIME: entities nested deeper than ${limits.maxDepth}`);
    // An unsplittable multipart is canonicalised whole, as canonicalEntityBytes does.
    if (
      boundary !== undefined &&
      boundary !== "" &&
      boundary.length <= 200 &&
      /^[\x20-\x7e]+$/.test(boundary)
    )
      return new MultipartWalk(head, boundary, limits, entity.depth + 1, canonicalTransform);
    return canonicalLines(head);
  }
  if (ct.mediaType === "message/rfc822" || ct.mediaType === "message/global") {
    // body.ts parses the inner message with the default MIME limits.
    const inner = new EntityTransform(canonicalTransform, resolveMimeLimits(), entity.depth + 1);
    return withHead(head, inner);
  }
  if (entityTransferEncoding(entity) === "binary") return withHead(head, { push: (c) => [c], end: () => [] });
  return canonicalLines(head);
}
