import { createHash } from "node:crypto";
import { OID } from "../../algorithms.js";
import {
  berContext,
  children,
  octetStringValue,
  readOid,
  readRoot,
  type Tlv,
} from "../../asn1/ber-reader.js";
import { der } from "../../asn1/index.js";
import { readPfxStructure } from "../pfx-structure.js";

/** One SafeBag of a plain PFX, as raw DER, with what it is. */
export interface RawBag {
  der: Uint8Array;
  kind: "key" | "cert" | "other";
  /** SHA-256 hex of the certificate DER, for certificate bags. */
  certSha256?: string;
}

/**
 * The SafeBags of an unencrypted, MAC-less PFX (`openssl pkcs12 -export -keypbe NONE -certpbe
 * NONE -nomac`), so tests can reorder, nest or mix real OpenSSL bags.
 */
export function plainBags(pfx: Uint8Array): RawBag[] {
  const ctx = berContext();
  const out: RawBag[] = [];
  for (const c of readPfxStructure(pfx).containers) {
    if (c.kind !== "data") throw new Error("plainBags needs an unencrypted PFX");
    const sc = c.safeContents;
    for (const bag of children(sc, readRoot(sc, ctx), ctx)) {
      const [id, value] = children(sc, bag, ctx);
      const bagId = readOid(sc, id as Tlv);
      const raw = sc.subarray(bag.start, bag.end);
      if (bagId === OID.certBag) {
        const [certBag] = children(sc, value as Tlv, ctx);
        const [, wrapped] = children(sc, certBag as Tlv, ctx);
        const [octets] = children(sc, wrapped as Tlv, ctx);
        const certDer = octetStringValue(sc, octets as Tlv, ctx);
        out.push({ der: raw, kind: "cert", certSha256: createHash("sha256").update(certDer).digest("hex") });
      } else out.push({ der: raw, kind: bagId === OID.keyBag ? "key" : "other" });
    }
  }
  return out;
}

export interface BuildOptions {
  /** Wrap each container's bags in one safeContentsBag (RFC 7292 §4.2.6). */
  nest?: boolean;
  /** Indefinite-length BER with constructed OCTET STRINGs in 100-byte pieces, as Java and Windows write. */
  ber?: boolean;
}

/** A plain PFX (no MAC, no encryption) whose AuthenticatedSafe has one id-data container per list. */
export function buildPlainPfx(containers: RawBag[][], options: BuildOptions = {}): Uint8Array {
  const infos = containers.map((bags) => {
    let contents = der.sequence(...bags.map((b) => b.der));
    if (options.nest)
      contents = der.sequence(der.sequence(der.oid(OID.safeContentsBag), der.explicit(0, contents)));
    return options.ber
      ? berData(contents)
      : der.sequence(der.oid(OID.data), der.explicit(0, der.octetString(contents)));
  });
  const authSafe = der.sequence(...infos);
  if (!options.ber)
    return der.sequence(
      der.integer(3),
      der.sequence(der.oid(OID.data), der.explicit(0, der.octetString(authSafe))),
    );
  return indefinite(0x30, [der.integer(3), berData(authSafe)]);
}

function berData(content: Uint8Array): Uint8Array {
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < content.length; i += 100) pieces.push(der.octetString(content.subarray(i, i + 100)));
  return indefinite(0x30, [der.oid(OID.data), indefinite(0xa0, [indefinite(0x24, pieces)])]);
}

function indefinite(tag: number, parts: Uint8Array[]): Uint8Array {
  return Buffer.concat([Uint8Array.of(tag, 0x80), ...parts, Uint8Array.of(0, 0)]);
}
