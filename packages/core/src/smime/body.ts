import { CoreError } from "../errors.js";
import { base64Decode, qpDecode } from "../mime/base64.js";
import { getHeader, type MimeEntity } from "../mime/parse-entity.js";

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
