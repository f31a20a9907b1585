import { OID } from "../algorithms.js";
import {
  type BerContext,
  berContext,
  children,
  contentBytes,
  expectTag,
  iterateChildren,
  rawBytes,
  readBitString,
  readOid,
  readRoot,
  readSmallInteger,
  readTime,
  TAG,
  type Tlv,
} from "../asn1/ber-reader.js";
import { CoreError } from "../errors.js";
import { readCritical } from "./certificate.js";
import { type DistinguishedName, formatName, readName } from "./name.js";
import { derOrPem } from "./pem.js";

/** One revokedCertificates entry (RFC 5280 §5.1.2.6). */
export interface RevokedEntry {
  serial: bigint;
  revocationDate: Date;
  /** CRLReason code (RFC 5280 §5.3.1), if the entry carries one. */
  reason: number | undefined;
}

/**
 * An X.509 v2 CRL (RFC 5280 §5.1), parsed once. Minimal by design: what path validation needs to
 * decide "listed / not listed" for a certificate of this issuer. The signature is NOT checked
 * here; `crlIsUsable` in chain.ts checks it under the issuer's key.
 */
export interface Crl {
  der: Uint8Array;
  /** The exact tbsCertList bytes the issuer signed. */
  tbs: Uint8Array;
  issuerName: DistinguishedName;
  issuer: string;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  /** Keyed by serial (INTEGER value). */
  revoked: ReadonlyMap<bigint, RevokedEntry>;
  signatureAlgorithm: { oid: string; parameters: Uint8Array | undefined };
  /** Set when tbsCertList.signature differs from signatureAlgorithm (RFC 5280 §5.1.1.2). */
  algorithmMismatch?: true;
  signatureValue: Uint8Array;
  authorityKeyIdentifier: Uint8Array | undefined;
  crlNumber: bigint | undefined;
  /**
   * Critical CRL or entry extensions we do not process (delta CRLs, issuingDistributionPoint,
   * indirect certificateIssuer entries). A CRL with any is not used (RFC 5280 §5.2, §5.3).
   */
  unsupportedCritical: string[];
}

const DELTA_CRL_INDICATOR = "2.5.29.27";
const ISSUING_DISTRIBUTION_POINT = "2.5.29.28";
const CERTIFICATE_ISSUER = "2.5.29.29";
const INVALIDITY_DATE = "2.5.29.24";
const KNOWN_CRL_EXTENSIONS = new Set<string>([OID.crlNumber, OID.authorityKeyIdentifier]);
const KNOWN_ENTRY_EXTENSIONS = new Set<string>([OID.crlReason, INVALIDITY_DATE]);

/** DER or PEM ("X509 CRL"). Throws CoreError "malformed" on anything that is not a CRL. */
export function parseCrl(input: Uint8Array | string, options: { ctx?: BerContext } = {}): Crl {
  const der = derOrPem(input, "X509 CRL");
  const ctx = options.ctx ?? berContext({ maxNodes: 5_000_000 });
  try {
    return parseDer(der, ctx);
  } catch (error) {
    if (error instanceof CoreError) throw error;
    throw new CoreError("malformed", `not a CRL: ${(error as Error).message}`, { cause: error });
  }
}

function parseDer(der: Uint8Array, ctx: BerContext): Crl {
  const root = expectTag(readRoot(der, ctx), TAG.SEQUENCE, "CertificateList");
  const [tbsTlv, sigAlgTlv, sigTlv] = children(der, root, ctx);
  if (!tbsTlv || !sigAlgTlv || !sigTlv)
    throw new CoreError("malformed", "CertificateList needs tbsCertList, signatureAlgorithm, signature");
  const fields = children(der, expectTag(tbsTlv, TAG.SEQUENCE, "TBSCertList"), ctx);
  let i = 0;
  if (fields[0]?.tag === TAG.INTEGER) {
    const version = readSmallInteger(der, fields[0]);
    if (version !== 1) throw new CoreError("malformed", `unknown CRL version ${version + 1}`);
    i = 1;
  }
  const next = (what: string): Tlv => {
    const t = fields[i++];
    if (!t) throw new CoreError("malformed", `CRL is missing ${what}`);
    return t;
  };
  const innerSigAlg = expectTag(next("signature"), TAG.SEQUENCE, "AlgorithmIdentifier");
  const issuerName = readName(der, next("issuer"), ctx);
  const thisUpdate = readTime(der, next("thisUpdate"));
  let nextUpdate: Date | undefined;
  const maybeNext = fields[i];
  if (maybeNext && (maybeNext.tag === TAG.UTC_TIME || maybeNext.tag === TAG.GENERALIZED_TIME)) {
    nextUpdate = readTime(der, maybeNext);
    i++;
  }
  const unsupportedCritical: string[] = [];
  const revoked = new Map<bigint, RevokedEntry>();
  const maybeList = fields[i];
  if (maybeList?.tag === TAG.SEQUENCE) {
    for (const entry of iterateChildren(der, maybeList, ctx)) {
      const [serialTlv, dateTlv, extsTlv] = children(
        der,
        expectTag(entry, TAG.SEQUENCE, "revoked entry"),
        ctx,
      );
      if (!serialTlv || !dateTlv) throw new CoreError("malformed", "CRL entry needs serial and date");
      let reason: number | undefined;
      if (extsTlv) {
        for (const ext of readExtensions(der, extsTlv, ctx)) {
          if (ext.oid === OID.crlReason) {
            const value = readRoot(ext.value, ctx);
            reason = contentBytes(ext.value, value)[0];
          } else if (ext.critical && !KNOWN_ENTRY_EXTENSIONS.has(ext.oid)) {
            unsupportedCritical.push(ext.oid === CERTIFICATE_ISSUER ? "certificateIssuer" : ext.oid);
          }
        }
      }
      const serial = integerValue(contentBytes(der, expectTag(serialTlv, TAG.INTEGER, "serial")));
      revoked.set(serial, { serial, revocationDate: readTime(der, dateTlv), reason });
    }
    i++;
  }
  let authorityKeyIdentifier: Uint8Array | undefined;
  let crlNumber: bigint | undefined;
  const maybeExts = fields[i];
  if (maybeExts?.tag === 0xa0) {
    const [list] = children(der, maybeExts, ctx);
    if (list) {
      for (const ext of readExtensions(der, list, ctx)) {
        if (ext.oid === OID.authorityKeyIdentifier) {
          const keyId = children(ext.value, readRoot(ext.value, ctx), ctx).find((c) => c.tag === 0x80);
          authorityKeyIdentifier = keyId ? contentBytes(ext.value, keyId) : undefined;
        } else if (ext.oid === OID.crlNumber) {
          crlNumber = integerValue(contentBytes(ext.value, readRoot(ext.value, ctx)));
        } else if (ext.critical && !KNOWN_CRL_EXTENSIONS.has(ext.oid)) {
          unsupportedCritical.push(
            ext.oid === DELTA_CRL_INDICATOR
              ? "deltaCRLIndicator"
              : ext.oid === ISSUING_DISTRIBUTION_POINT
                ? "issuingDistributionPoint"
                : ext.oid,
          );
        }
      }
    }
  }
  const sigParts = children(der, expectTag(sigAlgTlv, TAG.SEQUENCE, "AlgorithmIdentifier"), ctx);
  const params = sigParts[1];
  return {
    der,
    tbs: der.subarray(tbsTlv.start, tbsTlv.end),
    issuerName,
    issuer: formatName(issuerName),
    thisUpdate,
    nextUpdate,
    revoked,
    signatureAlgorithm: {
      oid: readOid(der, sigParts[0] as Tlv),
      parameters: params ? der.subarray(params.start, params.end) : undefined,
    },
    ...(Buffer.compare(rawBytes(der, innerSigAlg), rawBytes(der, sigAlgTlv)) === 0
      ? {}
      : { algorithmMismatch: true as const }),
    signatureValue: readBitString(der, sigTlv).bytes,
    authorityKeyIdentifier,
    crlNumber,
    unsupportedCritical,
  };
}

function readExtensions(
  der: Uint8Array,
  list: Tlv,
  ctx: BerContext,
): { oid: string; critical: boolean; value: Uint8Array }[] {
  return children(der, expectTag(list, TAG.SEQUENCE, "Extensions"), ctx).map((ext) => {
    const parts = children(der, expectTag(ext, TAG.SEQUENCE, "Extension"), ctx);
    const oidTlv = parts[0];
    const valueTlv = parts[parts.length - 1];
    if (!oidTlv || !valueTlv || parts.length < 2) throw new CoreError("malformed", "bad CRL extension");
    return {
      oid: readOid(der, oidTlv),
      critical: parts.length === 3 && readCritical(der, parts[1] as Tlv),
      value: contentBytes(der, expectTag(valueTlv, TAG.OCTET_STRING, "extnValue")),
    };
  });
}

function integerValue(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw new CoreError("malformed", "empty INTEGER");
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return (bytes[0] as number) & 0x80 ? v - (1n << BigInt(bytes.length * 8)) : v;
}
