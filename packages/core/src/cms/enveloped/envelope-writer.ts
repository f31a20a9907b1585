import { OID } from "../../algorithms.js";
import { encodeHeader, encodeLength, integer, oid, setOf, tlv } from "../../asn1/der-writer.js";

/**
 * The bytes around the ciphertext of a ContentInfo → EnvelopedData / AuthEnvelopedData
 * (RFC 5652 §3, §6.1; RFC 5083 §2.1), in two shapes: DER with definite lengths when the
 * ciphertext length is known, or BER indefinite lengths with the ciphertext as a constructed
 * [0] of OCTET STRING pieces (RFC 5652 §6.1 allows both; X.690 §8.1.3.6).
 */
export interface EnvelopeLayout {
  kind: "enveloped" | "authEnveloped";
  version: number;
  /** Each RecipientInfo's DER (sorted into a DER SET OF here). */
  recipientInfos: Uint8Array[];
  contentType: string;
  contentAlgorithm: Uint8Array;
  /** AuthEnvelopedData authAttrs, already tagged [1] IMPLICIT. */
  authAttrs?: Uint8Array;
  /** AuthEnvelopedData tag length (the mac OCTET STRING's size). */
  macLength?: number;
}

const tlvLength = (contentLength: number) => 1 + encodeLength(contentLength).length + contentLength;

interface Parts {
  outerType: Uint8Array;
  version: Uint8Array;
  recipientInfos: Uint8Array;
  contentType: Uint8Array;
}

function parts(layout: EnvelopeLayout): Parts {
  return {
    outerType: oid(layout.kind === "enveloped" ? OID.envelopedData : OID.authEnvelopedData),
    version: integer(layout.version),
    recipientInfos: setOf(layout.recipientInfos),
    contentType: oid(layout.contentType),
  };
}

function trailerLength(layout: EnvelopeLayout): number {
  if (layout.kind === "enveloped") return 0;
  return (layout.authAttrs?.length ?? 0) + tlvLength(layout.macLength ?? 16);
}

/** DER: everything before the ciphertext, for a ciphertext of exactly `ciphertextLength` bytes. */
export function definitePrefix(layout: EnvelopeLayout, ciphertextLength: number): Uint8Array {
  const p = parts(layout);
  const eciContent = p.contentType.length + layout.contentAlgorithm.length + tlvLength(ciphertextLength);
  const edContent =
    p.version.length + p.recipientInfos.length + tlvLength(eciContent) + trailerLength(layout);
  const explicitContent = tlvLength(edContent);
  const ciContent = p.outerType.length + tlvLength(explicitContent);
  return Buffer.concat([
    encodeHeader(0x30, ciContent),
    p.outerType,
    encodeHeader(0xa0, explicitContent),
    encodeHeader(0x30, edContent),
    p.version,
    p.recipientInfos,
    encodeHeader(0x30, eciContent),
    p.contentType,
    layout.contentAlgorithm,
    encodeHeader(0x80, ciphertextLength),
  ]);
}

/** DER: everything after the ciphertext (authAttrs and mac for AuthEnvelopedData). */
export function definiteSuffix(layout: EnvelopeLayout, mac?: Uint8Array): Uint8Array {
  if (layout.kind === "enveloped") return new Uint8Array(0);
  return Buffer.concat([layout.authAttrs ?? new Uint8Array(0), tlv(0x04, mac ?? new Uint8Array(0))]);
}

const INDEFINITE = (tag: number) => Uint8Array.of(tag, 0x80);
const EOC = Uint8Array.of(0, 0);

/** BER: everything before the first ciphertext piece. */
export function indefinitePrefix(layout: EnvelopeLayout): Uint8Array {
  const p = parts(layout);
  return Buffer.concat([
    INDEFINITE(0x30),
    p.outerType,
    INDEFINITE(0xa0),
    INDEFINITE(0x30),
    p.version,
    p.recipientInfos,
    INDEFINITE(0x30),
    p.contentType,
    layout.contentAlgorithm,
    INDEFINITE(0xa0),
  ]);
}

/** BER: the header of one OCTET STRING piece. */
export const pieceHeader = (length: number): Uint8Array => encodeHeader(0x04, length);

/** BER: everything after the last piece. */
export function indefiniteSuffix(layout: EnvelopeLayout, mac?: Uint8Array): Uint8Array {
  const end: Uint8Array[] = [EOC, EOC]; // [0] pieces, EncryptedContentInfo
  if (layout.kind === "authEnveloped")
    end.push(layout.authAttrs ?? new Uint8Array(0), tlv(0x04, mac ?? new Uint8Array(0)));
  end.push(EOC, EOC, EOC); // (Auth)EnvelopedData, [0], ContentInfo
  return Buffer.concat(end);
}
