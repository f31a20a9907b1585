import type { KeyManagementName } from "../../algorithms.js";
import type { EnvelopeHeader } from "./envelope-reader.js";
import { keyManagementOf, type RecipientIdentifier } from "./recipient-infos.js";
import type { EnvelopeInfo, RecipientIdInfo } from "./types.js";

function idInfo(rid: RecipientIdentifier): Pick<RecipientIdInfo, "issuerSerial" | "subjectKeyIdentifier"> {
  if (rid.subjectKeyIdentifier)
    return { subjectKeyIdentifier: Buffer.from(rid.subjectKeyIdentifier).toString("hex") };
  if (rid.issuerSerial)
    return { issuerSerial: { issuer: rid.issuerSerial.issuer, serialHex: rid.issuerSerial.serialHex } };
  return {};
}

/** The key-free summary of an envelope: what the banner and `not-a-recipient` reports show. */
export function envelopeInfo(header: EnvelopeHeader): EnvelopeInfo {
  const recipientIds: RecipientIdInfo[] = [];
  for (const ri of header.recipientInfos) {
    const keyManagement = keyManagementOf(ri);
    const base = keyManagement ? { type: ri.type, keyManagement } : { type: ri.type };
    if (ri.type === "ktri") recipientIds.push({ ...base, ...idInfo(ri.rid) });
    else if (ri.type === "kari")
      for (const rek of ri.recipientEncryptedKeys) recipientIds.push({ ...base, ...idInfo(rek.rid) });
    else recipientIds.push(base);
  }
  return {
    kind: header.kind,
    cipher: header.contentAlgorithm.cipher.name,
    keyManagement: recipientIds.flatMap((r): KeyManagementName[] =>
      r.keyManagement ? [r.keyManagement] : [],
    ),
    recipients: recipientIds.length,
    recipientIds,
    contentType: header.contentType,
  };
}
