import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAddressList } from "./address-list.js";

describe("parseAddressList (RFC 5322 §3.4)", () => {
  it("reads angle addresses with display names, quoted names and comments", () => {
    expect(
      parseAddressList(
        'Alice Example <alice@example.com>, "Bob, Jr." <bob@example.com>, <carol@example.com>, dave@example.com (Dave D)',
      ),
    ).toEqual([
      { name: "Alice Example", address: "alice@example.com" },
      { name: "Bob, Jr.", address: "bob@example.com" },
      { name: "", address: "carol@example.com" },
      { name: "Dave D", address: "dave@example.com" },
    ]);
  });

  it("decodes RFC 2047 display names, also inside quotes", () => {
    expect(parseAddressList("=?utf-8?Q?J=C3=BCrgen?= <j@example.de>")).toEqual([
      { name: "Jürgen", address: "j@example.de" },
    ]);
    expect(parseAddressList('"=?iso-8859-1?q?Andr=E9?=" <a@example.fr>')).toEqual([
      { name: "André", address: "a@example.fr" },
    ]);
  });

  it("reads groups, including empty ones", () => {
    expect(
      parseAddressList("Team: a@example.com, B <b@example.com>;, c@example.com, undisclosed-recipients:;"),
    ).toEqual([
      { name: "", address: "a@example.com", group: "Team" },
      { name: "B", address: "b@example.com", group: "Team" },
      { name: "", address: "c@example.com" },
    ]);
  });

  it("handles quoted local parts, routes, spaces and escapes", () => {
    expect(parseAddressList('"john doe"@example.com')).toEqual([
      { name: "", address: '"john doe"@example.com' },
    ]);
    expect(parseAddressList("<@relay.example,@b.example:x@example.com>")).toEqual([
      { name: "", address: "x@example.com" },
    ]);
    expect(parseAddressList("john @ example.com")).toEqual([{ name: "", address: "john@example.com" }]);
    expect(parseAddressList("< spaced@example.com >")).toEqual([{ name: "", address: "spaced@example.com" }]);
    expect(parseAddressList('"a\\"b" <ab@example.com>')).toEqual([
      { name: 'a"b', address: "ab@example.com" },
    ]);
    expect(parseAddressList("Broken Name broken@example.com")).toEqual([
      { name: "Broken Name", address: "broken@example.com" },
    ]);
  });

  it("does not let a display name pose as the address", () => {
    expect(parseAddressList('"ceo@example.com" <attacker@evil.example>')).toEqual([
      { name: "ceo@example.com", address: "attacker@evil.example" },
    ]);
    // Two angle addresses in one entry: both are reported, so a caller can refuse the ambiguity.
    expect(parseAddressList("X <a@example.com> <b@evil.example>").map((a) => a.address)).toEqual([
      "a@example.com",
      "b@evil.example",
    ]);
  });

  it("survives junk: empty entries, unterminated quotes, comments and angles", () => {
    expect(parseAddressList("")).toEqual([]);
    expect(parseAddressList(",,, ,")).toEqual([]);
    expect(parseAddressList('"unterminated <a@b>')).toEqual([{ name: "unterminated <a@b>", address: "" }]);
    expect(parseAddressList("a@b (unterminated")).toEqual([{ name: "unterminated", address: "a@b" }]);
    expect(parseAddressList("Name <a@b")).toEqual([{ name: "Name", address: "a@b" }]);
    expect(parseAddressList("Just A Name")).toEqual([{ name: "Just A Name", address: "" }]);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        for (const a of parseAddressList(s)) expect(typeof a.address).toBe("string");
      }),
    );
  });
});
