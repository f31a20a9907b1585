import { OID } from "../algorithms.js";
import {
  type BerContext,
  berContext,
  children,
  expectTag,
  readOid,
  readString,
  TAG,
  type Tlv,
} from "../asn1/ber-reader.js";
import { CoreError } from "../errors.js";

/** An X.501 Name, kept as its exact DER (for issuer matching) plus readable attributes. */
export interface DistinguishedName {
  der: Uint8Array;
  /** RDN attributes in order: type OID, short label, string value. */
  attributes: { oid: string; label: string; value: string }[];
}

const LABELS: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.42": "GN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "T",
  "2.5.4.97": "organizationIdentifier",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
  [OID.emailAddress]: "E",
};

export function readName(buf: Uint8Array, tlv: Tlv, ctx: BerContext = berContext()): DistinguishedName {
  expectTag(tlv, TAG.SEQUENCE, "Name");
  const attributes: DistinguishedName["attributes"] = [];
  for (const rdn of children(buf, tlv, ctx)) {
    expectTag(rdn, TAG.SET, "RelativeDistinguishedName");
    for (const atv of children(buf, rdn, ctx)) {
      const [type, value, ...extra] = children(
        buf,
        expectTag(atv, TAG.SEQUENCE, "AttributeTypeAndValue"),
        ctx,
      );
      // Skipping a half attribute would let two parsers read two different names (RFC 5280 §4.1.2.4).
      if (!type || !value || extra.length > 0)
        throw new CoreError("malformed", "AttributeTypeAndValue is not a type and one value");
      const oid = readOid(buf, type);
      let text: string;
      try {
        text = readString(buf, value);
      } catch {
        text = `#${Buffer.from(buf.subarray(value.start, value.end)).toString("hex")}`;
      }
      attributes.push({ oid, label: LABELS[oid] ?? oid, value: text });
    }
  }
  return { der: buf.subarray(tlv.start, tlv.end), attributes };
}

/** RFC 4514-style, most significant first as most tools print it: "CN=Alice, O=Example". */
export function formatName(name: DistinguishedName): string {
  return name.attributes
    .map((a) => `${a.label}=${a.value.replace(/([,+"\\<>;])/g, "\\$1")}`)
    .reverse()
    .join(", ");
}

export function nameAttribute(name: DistinguishedName, oid: string): string | undefined {
  return name.attributes.find((a) => a.oid === oid)?.value;
}

/**
 * RFC 5280 §7.1 comparison, simplified to what real chains need: exact DER first, then
 * attribute-by-attribute with case-insensitive, whitespace-collapsed string values.
 */
export function sameName(a: DistinguishedName, b: DistinguishedName): boolean {
  if (Buffer.compare(Buffer.from(a.der), Buffer.from(b.der)) === 0) return true;
  if (a.attributes.length !== b.attributes.length) return false;
  const norm = (s: string) => s.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
  return a.attributes.every((x, i) => {
    const y = b.attributes[i];
    return y !== undefined && x.oid === y.oid && norm(x.value) === norm(y.value);
  });
}
