import { describe, expect, it } from "vitest";
import { formatAddress, parseAddressList } from "./address-list.js";
import { detectSecurity, parseMediaType } from "./detect-security.js";
import { decodeEncodedWords } from "./encoded-words.js";
import { findBodyOffset, headerValue, headerValues, MAX_HEADER_BYTES, readHeader } from "./header-reader.js";
import { extractMetadata } from "./message-metadata.js";

const bytes = (s: string) => Buffer.from(s, "utf8");

describe("header block (RFC 5322 §2.2)", () => {
  it("unfolds continuation lines and keeps field order and case", () => {
    const { fields, bodyOffset } = readHeader(
      bytes("Subject: a\r\n  folded\r\n\tline\r\nX-A: 1\r\nx-a: 2\r\n\r\nbody"),
    );
    expect(fields).toEqual([
      { name: "Subject", value: "a  folded\tline" },
      { name: "X-A", value: "1" },
      { name: "x-a", value: "2" },
    ]);
    expect(headerValues(fields, "X-A")).toEqual(["1", "2"]);
    expect(headerValue(fields, "SUBJECT")).toBe("a  folded\tline");
    expect(bodyOffset).toBe(bytes("Subject: a\r\n  folded\r\n\tline\r\nX-A: 1\r\nx-a: 2\r\n\r\n").length);
  });

  it("accepts bare LF line ends, and finds the first blank line of either kind", () => {
    expect(readHeader(bytes("A: 1\nB: 2\n\nbody")).fields).toHaveLength(2);
    expect(findBodyOffset(bytes("A: 1\n\nB: x\r\n\r\n")).bodyOffset).toBe(6);
    expect(findBodyOffset(bytes("\r\nbody"))).toEqual({ headerEnd: 0, bodyOffset: 2 });
  });

  it("skips an mbox From_ line and junk without a colon", () => {
    const { fields } = readHeader(
      bytes("From alice@example.com Mon Jan 1 00:00:00 2024\r\njunk\r\nSubject: x\r\n\r\n"),
    );
    expect(fields).toEqual([{ name: "Subject", value: "x" }]);
  });

  it("reads raw UTF-8 headers (RFC 6532), and Latin-1 bytes without loss", () => {
    expect(headerValue(readHeader(bytes("Subject: Grüße\r\n\r\n")).fields, "Subject")).toBe("Grüße");
    const latin1 = Buffer.concat([bytes("Subject: caf"), Buffer.from([0xe9]), bytes("\r\n\r\n")]);
    expect(headerValue(readHeader(latin1).fields, "Subject")).toBe("café");
  });

  it("never scans past MAX_HEADER_BYTES for the end of the header block", () => {
    const huge = Buffer.alloc(MAX_HEADER_BYTES * 2, 0x61);
    huge.write("Subject: x\r\n", 0);
    const { bodyOffset, headerEnd } = findBodyOffset(huge);
    expect(bodyOffset).toBe(huge.length);
    expect(headerEnd).toBe(MAX_HEADER_BYTES);
  });
});

describe("encoded-words (RFC 2047)", () => {
  it("decodes B and Q words in any charset TextDecoder knows, dropping blanks between adjacent words", () => {
    expect(decodeEncodedWords("=?UTF-8?B?R3LDvMOfZQ==?=")).toBe("Grüße");
    expect(decodeEncodedWords("=?iso-8859-1?Q?caf=E9_au_lait?=")).toBe("café au lait");
    expect(decodeEncodedWords("=?utf-8?q?a?= =?utf-8?q?b?=")).toBe("ab");
    expect(decodeEncodedWords("x =?utf-8?q?a?= y")).toBe("x a y");
    expect(decodeEncodedWords("=?UTF-8*en?Q?hi?=")).toBe("hi");
  });

  it("leaves unknown charsets and plain text as written", () => {
    expect(decodeEncodedWords("=?x-unknown?Q?a?=")).toBe("=?x-unknown?Q?a?=");
    expect(decodeEncodedWords("no words = here ?=")).toBe("no words = here ?=");
  });
});

describe("address lists (RFC 5322 §3.4)", () => {
  it("splits on commas outside quotes, comments and angle brackets", () => {
    expect(parseAddressList('"Doe, John" <john@example.com>, jane@example.com (Jane D), <x@y.z>')).toEqual([
      { name: "Doe, John", address: "john@example.com" },
      { name: "Jane D", address: "jane@example.com" },
      { name: "", address: "x@y.z" },
    ]);
  });

  it("yields group members and decodes display names", () => {
    expect(parseAddressList("Team: a@x.org, =?utf-8?q?J=C3=B6rg?= <b@x.org>;, c@x.org")).toEqual([
      { name: "", address: "a@x.org" },
      { name: "Jörg", address: "b@x.org" },
      { name: "", address: "c@x.org" },
    ]);
    expect(parseAddressList("undisclosed-recipients:;")).toEqual([]);
    expect(formatAddress({ name: "Jörg", address: "b@x.org" })).toBe("Jörg <b@x.org>");
  });
});

describe("security kind from Content-Type (RFC 8551 §3)", () => {
  const kind = (ct: string) => detectSecurity(readHeader(bytes(`Content-Type: ${ct}\r\n\r\n`)).fields);

  it("tells encrypted, signed and plain apart", () => {
    expect(kind('application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"')).toBe("encrypted");
    expect(kind("application/pkcs7-mime; smime-type=authEnveloped-data")).toBe("encrypted");
    expect(kind('Application/X-PKCS7-MIME; smime-type="enveloped-data"')).toBe("encrypted");
    expect(kind("application/pkcs7-mime; smime-type=signed-data")).toBe("signed");
    expect(
      kind('multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="a;b"'),
    ).toBe("signed");
    expect(kind("application/pkcs7-mime; smime-type=certs-only")).toBe("plain");
    expect(kind("text/plain; charset=utf-8")).toBe("plain");
    expect(detectSecurity([])).toBe("plain");
  });

  it("takes a pkcs7-mime without smime-type as encrypted (old clients)", () => {
    expect(kind('application/x-pkcs7-mime; name="smime.p7m"')).toBe("encrypted");
  });

  it("parses quoted parameters with semicolons inside", () => {
    expect(parseMediaType('multipart/signed; boundary="x;y"; micalg=sha-256')).toEqual({
      type: "multipart/signed",
      params: { boundary: "x;y", micalg: "sha-256" },
    });
  });
});

describe("listing metadata", () => {
  it("extracts decoded display fields, the Date header and the exact size", () => {
    const raw = bytes(
      'From: =?utf-8?q?Ren=C3=A9?= <rene@example.org>\r\nTo: a@x.org, "B, b" <b@x.org>\r\nCc: c@x.org\r\n' +
        "Subject: =?utf-8?b?SGVsbG8gV8O2cmxk?=\r\nDate: Tue, 1 Jul 2003 10:52:37 +0200\r\nMessage-ID: <m1@x>\r\n\r\nbody\r\n",
    );
    const meta = extractMetadata(raw, 5);
    expect(meta).toMatchObject({
      from: "René <rene@example.org>",
      to: "a@x.org, B, b <b@x.org>",
      cc: "c@x.org",
      subject: "Hello Wörld",
      date: Date.UTC(2003, 6, 1, 8, 52, 37),
      messageId: "<m1@x>",
      size: raw.length,
      security: "plain",
    });
  });

  it("falls back to the arrival time for a missing or unparseable Date", () => {
    expect(extractMetadata(bytes("Subject: x\r\n\r\n"), 1234).date).toBe(1234);
    expect(extractMetadata(bytes("Date: someday\r\n\r\n"), 99).date).toBe(99);
  });
});
