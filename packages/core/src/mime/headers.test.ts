import { describe, expect, it } from "vitest";
import { contentEntityBytes, normalizeHeaders, serializeHeaders, splitMessageHeaders } from "./headers.js";
import { parseEntity } from "./parse-entity.js";

const b = (s: string): Buffer => Buffer.from(s, "utf8");
const text = (u: Uint8Array): string => Buffer.from(u).toString("utf8");

const message = b(
  [
    "From: Alice <alice@example.com>",
    "To: bob@example.com",
    "Subject: hi",
    "MIME-Version: 1.0",
    "Content-Type: text/plain;",
    " charset=utf-8",
    "Message-ID: <1@example.com>",
    "content-transfer-encoding: 8bit",
    "",
    "Grüße",
    "",
  ].join("\r\n"),
);

describe("splitMessageHeaders / contentEntityBytes (RFC 8551 §3.1)", () => {
  it("keeps message headers outside and Content-* fields with the entity", () => {
    const split = splitMessageHeaders(parseEntity(message));
    expect(split.outer.map((h) => h.name)).toEqual(["From", "To", "Subject", "MIME-Version", "Message-ID"]);
    expect(split.content.map((h) => h.name)).toEqual(["Content-Type", "content-transfer-encoding"]);
  });

  it("extracts the inner entity with raw content fields, the blank line and the body", () => {
    expect(text(contentEntityBytes(parseEntity(message)))).toBe(
      "Content-Type: text/plain;\r\n charset=utf-8\r\ncontent-transfer-encoding: 8bit\r\n\r\nGrüße\r\n",
    );
    expect(text(contentEntityBytes(parseEntity(b("Subject: x\n\nbody"))))).toBe("\nbody");
    expect(text(contentEntityBytes(parseEntity(b("Subject: x"))))).toBe("\r\n");
  });
});

describe("normalizeHeaders / serializeHeaders", () => {
  it("accepts fields, raw fields, name/value pairs and whole blocks, all as CRLF", () => {
    const parsed = parseEntity(b("X-A: 1\n\n")).headers[0]!;
    const fields = normalizeHeaders([parsed, { raw: b("X-B: 2\n 3") }, { name: "X-C", value: "Grüße" }]);
    expect(text(serializeHeaders(fields))).toBe("X-A: 1\r\nX-B: 2\r\n 3\r\nX-C: Grüße\r\n");
    expect(normalizeHeaders(b("A: 1\nB: 2")).map((f) => f.name)).toEqual(["A", "B"]);
    expect(serializeHeaders([]).length).toBe(0);
  });

  it("refuses anything that could inject fields or a body", () => {
    const bad = [
      () => normalizeHeaders([{ name: "X", value: "a\nBcc: x" }]),
      () => normalizeHeaders([{ name: "X", value: "a\rb" }]),
      () => normalizeHeaders([{ name: "X:Y", value: "a" }]),
      () => normalizeHeaders([{ name: "", value: "a" }]),
      () => normalizeHeaders([{ name: "X", value: "y".repeat(1000) }]),
      () => normalizeHeaders([{ raw: b("A: 1\r\nB: 2") }]),
      () => normalizeHeaders([{ raw: b("not a header") }]),
      () => normalizeHeaders(b("A: 1\r\n\r\nbody")),
      () => normalizeHeaders(b(" continuation first")),
    ];
    for (const f of bad) expect(f).toThrow(expect.objectContaining({ code: "invalid-argument" }));
  });
});
