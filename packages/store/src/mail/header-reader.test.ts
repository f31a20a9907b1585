import { classifyMessage } from "@sealbox/core";
import { describe, expect, it } from "vitest";
import { encryptedElsewhere } from "../../test/encrypted-elsewhere.js";
import { headerValue, headerValues, readHeader } from "./header-reader.js";
import { incomingMessage } from "./incoming-message.js";
import { extractMetadata, formatAddress } from "./message-metadata.js";

const bytes = (s: string) => Buffer.from(s, "utf8");
const fieldsOf = (raw: Buffer) => readHeader(raw).fields.map((f) => ({ name: f.name, value: f.value }));

describe("header block (through core's MIME parser)", () => {
  it("unfolds continuation lines and keeps field order and case", () => {
    const raw = bytes("Subject: a\r\n  folded\r\n\tline\r\nX-A: 1\r\nx-a: 2\r\n\r\nbody");
    expect(fieldsOf(raw)).toEqual([
      { name: "Subject", value: "a  folded\tline" },
      { name: "X-A", value: "1" },
      { name: "x-a", value: "2" },
    ]);
    const { fields, bodyOffset } = readHeader(raw);
    expect(headerValues(fields, "X-A")).toEqual(["1", "2"]);
    expect(headerValue(fields, "SUBJECT")).toBe("a  folded\tline");
    expect(raw.subarray(bodyOffset).toString()).toBe("body");
  });

  it("a message behind an mbox From_ line is classified as its stored bytes read (the line stays in them)", () => {
    const prefixed = Buffer.concat([
      bytes("From alice@example.com Mon Jan  1 00:00:00 2024\r\n"),
      encryptedElsewhere("-aes-128-cbc"),
    ]);
    const message = incomingMessage(prefixed);
    expect(message.header.start).toBeGreaterThan(0);
    expect(message.classification).toEqual(classifyMessage(prefixed));
  });

  it("accepts bare LF line ends", () => {
    expect(fieldsOf(bytes("A: 1\nB: 2\n\nbody"))).toHaveLength(2);
    expect(readHeader(bytes("A: 1\n\nB: x\r\n\r\n")).bodyOffset).toBe(6);
  });

  it("skips an mbox From_ line an MTA may put in front", () => {
    const raw = bytes("From alice@example.com Mon Jan  1 00:00:00 2024\r\nSubject: x\r\n\r\nbody");
    expect(fieldsOf(raw)).toEqual([{ name: "Subject", value: "x" }]);
    expect(raw.subarray(readHeader(raw).bodyOffset).toString()).toBe("body");
  });

  it("reads raw UTF-8 headers (RFC 6532), and Latin-1 bytes without loss", () => {
    expect(headerValue(readHeader(bytes("Subject: Grüße\r\n\r\n")).fields, "Subject")).toBe("Grüße");
    const latin1 = Buffer.concat([bytes("Subject: caf"), Buffer.from([0xe9]), bytes("\r\n\r\n")]);
    expect(headerValue(readHeader(latin1).fields, "Subject")).toBe("café");
  });

  it("for listing what is stored, a header bomb beyond core's limits yields no fields instead of an error (delivery refuses it)", () => {
    const bomb = Buffer.concat([
      bytes("Subject: x\r\n"),
      bytes("X-Junk: y\r\n".repeat(40_000)),
      bytes("\r\nbody"),
    ]);
    expect(readHeader(bomb)).toEqual({ fields: [], bodyOffset: bomb.length, fieldsEnd: 0, start: 0 });
    expect(extractMetadata(bomb, 7)).toMatchObject({
      subject: "",
      date: 7,
      size: bomb.length,
      security: "plain",
    });
  });
});

describe("security kind of a body core cannot read: the Content-Type label (RFC 8551 §3)", () => {
  const kind = (ct: string) => extractMetadata(bytes(`Content-Type: ${ct}\r\n\r\n`), 0).security;

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
    expect(extractMetadata(bytes("\r\n"), 0).security).toBe("plain");
  });

  it("takes a pkcs7-mime without smime-type as encrypted (old clients)", () => {
    expect(kind('application/x-pkcs7-mime; name="smime.p7m"')).toBe("encrypted");
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

  it("formats addresses for display", () => {
    expect(formatAddress({ name: "Jörg", address: "b@x.org" })).toBe("Jörg <b@x.org>");
    expect(formatAddress({ name: "", address: "b@x.org" })).toBe("b@x.org");
    expect(formatAddress({ name: "Team", address: "" })).toBe("Team");
  });
});
