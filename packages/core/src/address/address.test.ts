import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  domainWithin,
  mailDomain,
  matchAddress,
  normaliseAddress,
  normaliseDomain,
  sameAddress,
  sameDomain,
  splitAddress,
} from "./index.js";

describe("normaliseDomain: A-labels, lower case, no trailing dots", () => {
  it("gives one form for the spellings of a domain", () => {
    for (const spelling of ["example.com", "EXAMPLE.com", "example.com.", " Example.COM.. "])
      expect(normaliseDomain(spelling), spelling).toBe("example.com");
    // RFC 5891: U-labels become A-labels, with the UTS #46 mapping (case, width).
    expect(normaliseDomain("Bücher.DE.")).toBe("xn--bcher-kva.de");
    expect(normaliseDomain("xn--bcher-kva.de")).toBe("xn--bcher-kva.de");
    expect(normaliseDomain("ｅｘａｍｐｌｅ.com")).toBe("example.com");
    expect(sameDomain("bücher.de", "XN--BCHER-KVA.DE.")).toBe(true);
  });

  it("leaves what IDNA refuses as it stands (lower case, trimmed), equal only to itself", () => {
    expect(normaliseDomain("Not A Domain.")).toBe("not a domain");
    expect(normaliseDomain("a/b")).toBe("a/b");
    // Never read as IPv4 numbers (the URL parser's own rule) or percent-decoded.
    expect(normaliseDomain("0x7F.1")).toBe("0x7f.1");
    expect(normaliseDomain("1.2.3")).toBe("1.2.3");
    expect(normaliseDomain("%41.com")).toBe("%41.com");
    expect(mailDomain("192.0.2.1")).toBe("192.0.2.1");
    expect(sameDomain("a/b", "a")).toBe(false);
  });

  it("mailDomain accepts host names only", () => {
    expect(mailDomain("Mail.Example.ORG.")).toBe("mail.example.org");
    expect(mailDomain("bücher.de")).toBe("xn--bcher-kva.de");
    for (const bad of [
      "",
      ".",
      "a b",
      "-x.com",
      "x-.com",
      "a..b",
      "ex_ample.com",
      "a@b",
      `${"a".repeat(64)}.com`,
    ])
      expect(mailDomain(bad), bad).toBeUndefined();
  });

  it("drops trailing dots and white space in any mix, so normalising twice changes nothing", () => {
    // Found by the property below: "! ." became "! " and then "!".
    expect(normaliseDomain("! .")).toBe("!");
    expect(normaliseDomain("a. .")).toBe("a");
    expect(normaliseDomain(" Bücher. . ")).toBe("xn--bcher-kva");
    // And lower case that IDNA maps where it refused the capital.
    expect(normaliseDomain(normaliseDomain("Ⴀ"))).toBe(normaliseDomain("Ⴀ"));
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.oneof(fc.domain(), fc.string()), (d) => {
        const once = normaliseDomain(d);
        expect(normaliseDomain(once)).toBe(once);
        expect(once.endsWith(".")).toBe(false);
      }),
    );
  });
});

describe("domainWithin (name constraint and directory matching)", () => {
  it("a base matches itself and what is below; a leading dot only what is below", () => {
    expect(domainWithin("example.com.", "example.com")).toBe(true);
    expect(domainWithin("mail.EXAMPLE.com.", "example.com")).toBe(true);
    expect(domainWithin("notexample.com", "example.com")).toBe(false);
    expect(domainWithin("example.com", ".example.com")).toBe(false);
    expect(domainWithin("a.example.com.", ".Example.COM.")).toBe(true);
    expect(domainWithin("anything.test", "")).toBe(true);
  });
});

describe("mail addresses", () => {
  it("splits at the last @ and refuses text without a mailbox", () => {
    expect(splitAddress(" <a@b@example.com> ")).toEqual({ local: "a@b", domain: "example.com" });
    expect(splitAddress("ceo@")).toBeUndefined();
    expect(splitAddress("@corp.example")).toBeUndefined();
    expect(splitAddress("ceo at corp.example")).toBeUndefined();
  });

  it("normalises case, Unicode composition and the domain", () => {
    expect(normaliseAddress("Alice@Example.TEST.")).toBe("alice@example.test");
    expect(normaliseAddress("<José@Bücher.de>")).toBe(normaliseAddress("jose\u0301@xn--bcher-kva.de"));
    expect(sameAddress("a@excluded.example.", "A@EXCLUDED.EXAMPLE")).toBe(true);
    expect(sameAddress("ceo", "ceo")).toBe(false); // not a mailbox, never the same as one
  });

  it("matchAddress returns the candidate as written", () => {
    expect(matchAddress(["x@y.test", "Alice@Example.test"], ["alice@example.test."])).toBe(
      "Alice@Example.test",
    );
    expect(matchAddress(["alice@example.test"], ["alice"])).toBeUndefined();
    expect(matchAddress(["alice@example.test"], [])).toBeUndefined();
  });
});
