import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEncodedWords } from "./encoded-words.js";

describe("decodeEncodedWords (RFC 2047)", () => {
  it("decodes the RFC 2047 §8 examples", () => {
    const examples: [string, string][] = [
      ["(=?ISO-8859-1?Q?a?=)", "(a)"],
      ["(=?ISO-8859-1?Q?a?= b)", "(a b)"],
      ["(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"],
      ["(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"],
      ["(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"],
      ["(=?ISO-8859-1?Q?a_b?=)", "(a b)"],
      ["(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"],
      ["=?US-ASCII?Q?Keith_Moore?=", "Keith Moore"],
      ["=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=", "Keld Jørn Simonsen"],
      ["=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard"],
      [
        "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
        "If you can read this you understand the example.",
      ],
    ];
    for (const [input, expected] of examples) expect(decodeEncodedWords(input)).toBe(expected);
  });

  it("joins a UTF-8 character split across two words, and handles RFC 2231 language tags", () => {
    const bytes = Buffer.from("€", "utf8");
    const split = `=?UTF-8?B?${bytes.subarray(0, 1).toString("base64")}?= =?utf-8?B?${bytes.subarray(1).toString("base64")}?=`;
    expect(decodeEncodedWords(`Price: ${split}5`)).toBe("Price: €5");
    expect(decodeEncodedWords("=?utf-8*en?Q?=C3=A4?=")).toBe("ä");
  });

  it("leaves plain text and undecodable words as written", () => {
    expect(decodeEncodedWords("no words here =? ?=")).toBe("no words here =? ?=");
    expect(decodeEncodedWords("=?utf-8?B?###?= x")).toBe("=?utf-8?B?###?= x");
    expect(decodeEncodedWords("=?utf-8?X?abc?=")).toBe("=?utf-8?X?abc?=");
    expect(decodeEncodedWords("a =?utf-8?Q?b?= c")).toBe("a b c");
  });

  it("round-trips UTF-8 B and Q words (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }), (s) => {
        const bytes = Buffer.from(s, "utf8");
        const q = [...bytes].map((c) => `=${c.toString(16).padStart(2, "0")}`).join("");
        expect(decodeEncodedWords(`=?utf-8?B?${bytes.toString("base64")}?=`)).toBe(s);
        expect(decodeEncodedWords(`=?UTF-8?q?${q}?=`)).toBe(s);
      }),
    );
  });
});
