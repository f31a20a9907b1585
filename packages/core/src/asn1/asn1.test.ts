import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CoreError } from "../errors.js";
import {
  berContext,
  children,
  octetStringValue,
  readBitString,
  readInteger,
  readOid,
  readRoot,
  readString,
  readTime,
} from "./ber-reader.js";
import * as der from "./der-writer.js";
import { nestedOctetStrings } from "./test-support/bombs.js";

describe("DER writer and BER reader round trips (property)", () => {
  it("INTEGER", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }), (n) => {
        const bytes = der.integer(n);
        expect(readInteger(bytes, readRoot(bytes))).toBe(n);
      }),
    );
  });

  it("OBJECT IDENTIFIER", () => {
    const arc = fc.bigInt({ min: 0n, max: 1n << 40n });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(arc, { maxLength: 8 }),
        (a, b, rest) => {
          const dotted = [a, b, ...rest].join(".");
          const bytes = der.oid(dotted);
          expect(readOid(bytes, readRoot(bytes))).toBe(dotted);
        },
      ),
    );
  });

  it("OBJECT IDENTIFIER arcs past 2^53 (2.25.<UUID>) and a second arc past 39 under 2", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 130n }),
        fc.array(fc.bigInt({ min: 0n, max: 1n << 130n }), { maxLength: 4 }),
        (b, rest) => {
          const dotted = [2n, b, ...rest].join(".");
          const bytes = der.oid(dotted);
          expect(readOid(bytes, readRoot(bytes))).toBe(dotted);
        },
      ),
    );
    // A first subidentifier past 2^53 even when both arcs look small (not a valid OID, but exact).
    const bytes = der.oid("999999999999999.999999999999999");
    // Read back as X.690 reads any first subidentifier past 79: 2.(value − 80).
    expect(readOid(bytes, readRoot(bytes))).toBe(`2.${999999999999999n * 40n + 999999999999999n - 80n}`);
    // X.690 §8.19.5's example: {2 999 3} is 88 37 03.
    expect(Buffer.from(der.oid("2.999.3")).toString("hex")).toBe("0603883703");
    expect(Buffer.from(der.oid("1.2.840.113549.1.7.3")).toString("hex")).toBe("06092a864886f70d010703");
  });

  it("OCTET STRING of any length, and SEQUENCE nesting", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), (data) => {
        const bytes = der.sequence(der.octetString(data), der.nullValue());
        const root = readRoot(bytes);
        const [os, nul] = children(bytes, root);
        expect(Buffer.from(octetStringValue(bytes, os!))).toEqual(Buffer.from(data));
        expect(nul!.tag).toBe(0x05);
      }),
      { numRuns: 30 },
    );
  });

  it("times follow the 2050 rule", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1900-01-01"), max: new Date("2200-01-01"), noInvalidDate: true }),
        (d) => {
          const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
          const bytes = der.time(whole);
          const y = whole.getUTCFullYear();
          expect(bytes[0]).toBe(y >= 1950 && y <= 2049 ? 0x17 : 0x18);
          expect(readTime(bytes, readRoot(bytes)).getTime()).toBe(whole.getTime());
        },
      ),
    );
  });

  it("strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        for (const enc of [der.utf8String(s), der.bmpString(s)]) {
          expect(readString(enc, readRoot(enc))).toBe(s);
        }
      }),
    );
  });
});

describe("BER reader on hostile input", () => {
  it("reads indefinite-length constructed OCTET STRINGs piece by piece", () => {
    // 24 80 | 04 02 'ab' | 04 01 'c' | 00 00
    const bytes = Uint8Array.from([0x24, 0x80, 0x04, 0x02, 0x61, 0x62, 0x04, 0x01, 0x63, 0x00, 0x00]);
    expect(Buffer.from(octetStringValue(bytes, readRoot(bytes))).toString()).toBe("abc");
  });

  it("rejects lengths past the end, trailing bytes, missing end-of-contents", () => {
    for (const bad of [
      [0x30, 0x05, 0x01],
      [0x05, 0x00, 0x00],
      [0x30, 0x80, 0x05, 0x00],
      [0x04, 0x80, 0x00, 0x00],
      [],
    ]) {
      expect(() => readRoot(Uint8Array.from(bad))).toThrow(CoreError);
    }
  });

  it("stops nesting bombs and element floods with limit-exceeded", () => {
    const depth = 1000;
    const bomb = new Uint8Array(depth * 2 + 2);
    for (let i = 0; i < depth; i++) {
      bomb[i * 2] = 0x30;
      bomb[i * 2 + 1] = 0x80;
    }
    expect(() => readRoot(bomb)).toThrow(expect.objectContaining({ code: "limit-exceeded" }));
    const flood = der.sequence(...Array.from({ length: 200 }, () => der.nullValue()));
    const root = readRoot(flood);
    expect(() => children(flood, root, berContext({ maxNodes: 100 }))).toThrow(
      expect.objectContaining({ code: "limit-exceeded" }),
    );
  });

  it("limits the depth of definite-length elements too: ~120 KB of nested OCTET STRINGs", () => {
    const bomb = nestedOctetStrings(30_000);
    expect(bomb.length).toBeGreaterThan(100_000);
    const root = readRoot(bomb); // the outer element alone is well-formed
    expect(() => octetStringValue(bomb, root)).toThrow(
      expect.objectContaining({ code: "limit-exceeded", message: "ASN.1: nesting deeper than 64" }),
    );
    // Within the limit, the same shape reads fine (and the limit is the caller's to set).
    const shallow = nestedOctetStrings(60);
    expect(octetStringValue(shallow, readRoot(shallow))).toHaveLength(0);
    expect(() => octetStringValue(shallow, readRoot(shallow), berContext({ maxDepth: 10 }))).toThrow(
      expect.objectContaining({ code: "limit-exceeded" }),
    );
    const deepSequences = nestedOctetStrings(100, 0x30, 0x30);
    const seq = readRoot(deepSequences);
    const walk = (tlv: ReturnType<typeof readRoot>): number =>
      tlv.constructed ? 1 + Math.max(0, ...children(deepSequences, tlv).map(walk)) : 0;
    expect(() => walk(seq)).toThrow(expect.objectContaining({ code: "limit-exceeded" }));
  });

  it("never throws anything but CoreError on random bytes (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        try {
          const root = readRoot(data);
          if (root.constructed) children(data, root);
        } catch (error) {
          expect(error).toBeInstanceOf(CoreError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("named bit strings drop trailing zero bits (keyUsage digitalSignature+keyEncipherment = 03 02 05 a0)", () => {
    expect(Buffer.from(der.namedBits([0, 2])).toString("hex")).toBe("030205a0");
    const bs = der.namedBits([0, 2]);
    expect(readBitString(bs, readRoot(bs)).unusedBits).toBe(5);
  });
});
