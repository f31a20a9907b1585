import { OID } from "../algorithms.js";
import {
  type BerContext,
  children,
  contentBytes,
  expectTag,
  readOid,
  readString,
  TAG,
  type Tlv,
} from "../asn1/ber-reader.js";
import { der } from "../asn1/index.js";
import { CoreError } from "../errors.js";
import { type EncryptedPrivateKeyInfo, readEncryptedPrivateKeyInfo } from "./encrypted-private-key-info.js";

/** Nested safeContentsBags deeper than this are refused (a cheap recursion bomb otherwise). */
const MAX_BAG_NESTING = 8;

/** PKCS12AttrSet values we use (RFC 7292 §4.2; PKCS#9 friendlyName / localKeyId). Others are ignored. */
export interface BagAttributes {
  friendlyName?: string;
  localKeyId?: Uint8Array;
}

export type SafeBag =
  | { kind: "key"; pkcs8: Uint8Array; attributes: BagAttributes }
  | { kind: "shrouded-key"; epki: EncryptedPrivateKeyInfo; attributes: BagAttributes }
  | { kind: "cert"; der: Uint8Array; attributes: BagAttributes }
  | { kind: "other"; oid: string; attributes: BagAttributes };

/**
 * SafeContents ::= SEQUENCE OF SafeBag (RFC 7292 §4.2), flattening safeContentsBag nesting
 * (§4.2.6). Certificates other than x509Certificate (sdsiCertificate) and CRL/secret bags
 * come back as "other".
 */
export function readSafeContents(buf: Uint8Array, tlv: Tlv, ctx: BerContext, depth = 0): SafeBag[] {
  if (depth > MAX_BAG_NESTING)
    throw new CoreError("limit-exceeded", "PKCS#12 safeContentsBag nested too deep");
  const bags: SafeBag[] = [];
  for (const bag of children(buf, expectTag(tlv, TAG.SEQUENCE, "SafeContents"), ctx)) {
    const [idTlv, valueTlv, attrsTlv] = children(buf, expectTag(bag, TAG.SEQUENCE, "SafeBag"), ctx);
    if (!idTlv || !valueTlv) throw new CoreError("malformed", "SafeBag needs bagId and bagValue");
    const bagId = readOid(buf, idTlv);
    const [value] = children(buf, expectTag(valueTlv, 0xa0, "bagValue [0]"), ctx);
    if (!value) throw new CoreError("malformed", "empty bagValue");
    const attributes = attrsTlv ? readAttributes(buf, attrsTlv, ctx) : {};
    switch (bagId) {
      case OID.keyBag:
        bags.push({ kind: "key", pkcs8: buf.subarray(value.start, value.end), attributes });
        break;
      case OID.pkcs8ShroudedKeyBag:
        bags.push({ kind: "shrouded-key", epki: readEncryptedPrivateKeyInfo(buf, value, ctx), attributes });
        break;
      case OID.certBag: {
        // CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING } (§4.2.3)
        const [certId, certValue] = children(buf, expectTag(value, TAG.SEQUENCE, "CertBag"), ctx);
        if (!certId || !certValue) throw new CoreError("malformed", "CertBag needs certId and certValue");
        const type = readOid(buf, certId);
        if (type !== OID.x509Certificate) {
          bags.push({ kind: "other", oid: type, attributes });
          break;
        }
        const [octets] = children(buf, expectTag(certValue, 0xa0, "certValue [0]"), ctx);
        if (!octets) throw new CoreError("malformed", "empty certValue");
        bags.push({
          kind: "cert",
          der: contentBytes(buf, expectTag(octets, TAG.OCTET_STRING, "x509Certificate")),
          attributes,
        });
        break;
      }
      case OID.safeContentsBag:
        bags.push(...readSafeContents(buf, value, ctx, depth + 1));
        break;
      default:
        bags.push({ kind: "other", oid: bagId, attributes });
    }
  }
  return bags;
}

function readAttributes(buf: Uint8Array, set: Tlv, ctx: BerContext): BagAttributes {
  const out: BagAttributes = {};
  for (const attr of children(buf, expectTag(set, TAG.SET, "bagAttributes"), ctx)) {
    const [typeTlv, valuesTlv] = children(buf, expectTag(attr, TAG.SEQUENCE, "PKCS12Attribute"), ctx);
    if (!typeTlv || !valuesTlv) continue;
    const type = readOid(buf, typeTlv);
    const [first] = children(buf, expectTag(valuesTlv, TAG.SET, "attrValues"), ctx);
    if (!first) continue;
    if (type === OID.friendlyName && first.tag === TAG.BMP_STRING) out.friendlyName = readString(buf, first);
    if (type === OID.localKeyId && first.tag === TAG.OCTET_STRING) out.localKeyId = contentBytes(buf, first);
  }
  return out;
}

/** SafeBag DER with friendlyName (BMPString) and localKeyId attributes when given. */
export function encodeSafeBag(bagId: string, value: Uint8Array, attributes: BagAttributes = {}): Uint8Array {
  const attrs: Uint8Array[] = [];
  if (attributes.friendlyName !== undefined)
    attrs.push(der.sequence(der.oid(OID.friendlyName), der.setOf([der.bmpString(attributes.friendlyName)])));
  if (attributes.localKeyId !== undefined)
    attrs.push(der.sequence(der.oid(OID.localKeyId), der.setOf([der.octetString(attributes.localKeyId)])));
  return der.sequence(der.oid(bagId), der.explicit(0, value), ...(attrs.length ? [der.setOf(attrs)] : []));
}

/** CertBag value for an X.509 certificate. */
export function encodeCertBagValue(certificateDer: Uint8Array): Uint8Array {
  return der.sequence(der.oid(OID.x509Certificate), der.explicit(0, der.octetString(certificateDer)));
}
