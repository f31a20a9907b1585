import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitMultipart } from "../mime/multipart.js";
import { parseEntity } from "../mime/parse-entity.js";
import { BoundaryScanner, type Segment } from "./stream-boundary-scanner.js";

/**
 * The streaming delimiter scanner finds exactly what mime/multipart.ts splitMultipart finds
 * (RFC 2046 §5.1.1) — preamble, each part's bytes, close, epilogue — however the body is cut,
 * including lines that merely start like a delimiter, transport padding and LF-only input.
 */
const boundary = "b=_1";
const line = fc.oneof(
  fc.string({ unit: fc.constantFrom("a", "b", "-", "=", "_", "1", " ", "\t", "x"), maxLength: 12 }),
  fc.constantFrom(`--${boundary}x`, `--${boundary}-`, `-${boundary}`, `--b=`, "--", `x--${boundary}`),
);
const eol = fc.constantFrom("\r\n", "\n", "\r");
const text = fc.array(fc.tuple(line, eol), { maxLength: 6 }).map((ls) => ls.map(([l, e]) => l + e).join(""));
const delimiter = (close: boolean) =>
  fc
    .tuple(fc.constantFrom("", " ", "\t "), fc.constantFrom("\r\n", "\n"))
    .map(([pad, end]) => `--${boundary}${close ? "--" : ""}${pad}${end}`);
const body = fc
  .record({
    preamble: text,
    parts: fc.array(fc.tuple(text, delimiter(false), fc.constantFrom("\r\n", "\n")), { maxLength: 4 }),
    close: fc.option(fc.tuple(delimiter(true), text)),
  })
  .map(({ preamble, parts, close }) => {
    let out = preamble.length > 0 ? `${preamble}${preamble.endsWith("\n") ? "" : "\n"}` : "";
    for (const [content, open, before] of parts) out += `${open}${content}${before}`;
    if (close) out += `${close[0]}${close[1]}`;
    return Buffer.from(out, "latin1");
  });

function scan(bytes: Buffer, cuts: number[]): { segments: Segment[]; scanner: BoundaryScanner } {
  const scanner = new BoundaryScanner(boundary, 1000);
  const segments: Segment[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    segments.push(...scanner.push(bytes.subarray(from, cut)));
    from = cut;
  }
  segments.push(...scanner.push(bytes.subarray(from)), ...scanner.end());
  return { segments, scanner };
}

describe("BoundaryScanner (RFC 2046 §5.1.1)", () => {
  it("agrees with splitMultipart for any body and any chunking (property)", () => {
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const head = Buffer.from(`Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n`);
        const entity = parseEntity(Buffer.concat([head, bytes]));
        const { segments, scanner } = scan(bytes, cuts);
        expect(Buffer.concat(segments.map((s) => s.bytes)).equals(bytes)).toBe(true);
        let split: ReturnType<typeof splitMultipart>;
        try {
          split = splitMultipart(entity);
        } catch {
          expect(scanner.sawDelimiter).toBe(false);
          return;
        }
        const join = (pick: (s: Segment) => boolean) =>
          Buffer.concat(segments.filter(pick).map((s) => s.bytes));
        expect(join((s) => s.kind === "preamble").equals(Buffer.from(split.preamble))).toBe(true);
        expect(join((s) => s.kind === "epilogue").equals(Buffer.from(split.epilogue))).toBe(true);
        expect(scanner.closed).toBe(split.closed);
        expect(scanner.parts).toBe(split.parts.length);
        split.parts.forEach((part, i) => {
          const got = join((s) => s.kind === "part" && s.index === i);
          expect(got.equals(Buffer.from(part.bytes))).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  it("gives content out as views of the pushed chunk, holding back only a possible delimiter start", () => {
    const scanner = new BoundaryScanner(boundary, 10);
    const first = Buffer.from(
      `--${boundary}\r\nContent-Type: text/plain\r\n\r\nline one\r\n--${boundary.slice(0, 2)}`,
    );
    const out = scanner.push(first);
    const content = out.find((s) => s.kind === "part");
    expect(content?.bytes.buffer).toBe(first.buffer); // a view, not a copy
    expect(Buffer.from(content?.bytes ?? []).toString()).toBe("Content-Type: text/plain\r\n\r\nline one");
    const rest = scanner.push(Buffer.from(`${boundary.slice(2)}--\r\n`));
    expect(rest.map((s) => [s.kind, Buffer.from(s.bytes).toString()])).toEqual([
      ["delimiter", `\r\n--${boundary}--\r\n`],
    ]);
    expect(scanner.closed).toBe(true);
  });

  it("counts parts against the limit", () => {
    const scanner = new BoundaryScanner(boundary, 2);
    expect(() => scanner.push(Buffer.from(`--${boundary}\n--${boundary}\n--${boundary}\nx`))).toThrow(
      expect.objectContaining({ code: "limit-exceeded" }),
    );
  });
});
