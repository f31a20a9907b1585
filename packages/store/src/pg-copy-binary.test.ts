import { describe, expect, it } from "vitest";
import { copyChunkSql, parseCopyBinary } from "./pg-copy-binary.js";

const header = Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]);
const row = (value: Buffer | null) => {
  const head = Buffer.alloc(6);
  head.writeInt16BE(1, 0);
  head.writeInt32BE(value ? value.length : -1, 2);
  return value ? Buffer.concat([head, value]) : head;
};
const trailer = Buffer.from([0xff, 0xff]);

describe("binary COPY of message chunks", () => {
  it("writes only plain ids and whole chunk numbers into the COPY text (it takes no parameters)", () => {
    expect(copyChunkSql("01a24658-8870-731f-95d5-f60378567b1a", 3)).toContain(
      "where blob_id = '01a24658-8870-731f-95d5-f60378567b1a' and seq = 3) to stdout (format binary)",
    );
    for (const id of ["x'; drop table messages; --", "a\\b", "", "a b", "x".repeat(101)])
      expect(copyChunkSql(id, 0)).toBeUndefined();
    for (const seq of [-1, 1.5, Number.NaN]) expect(copyChunkSql("blob-1", seq)).toBeUndefined();
  });

  it("reads the values of a one-column stream, a null and an empty value included", () => {
    const values = parseCopyBinary(
      Buffer.concat([header, row(Buffer.from([0, 255, 10])), row(null), row(Buffer.alloc(0)), trailer]),
    );
    expect(values).toEqual([Buffer.from([0, 255, 10]), null, Buffer.alloc(0)]);
    expect(parseCopyBinary(Buffer.concat([header, trailer]))).toEqual([]);
  });

  it("refuses what is not a whole binary COPY stream", () => {
    expect(() => parseCopyBinary(Buffer.from("PGCOPY but not really"))).toThrow(
      /not a PostgreSQL binary COPY/,
    );
    expect(() => parseCopyBinary(Buffer.concat([header, row(Buffer.alloc(10)).subarray(0, 12)]))).toThrow(
      /cut short/,
    );
    expect(() => parseCopyBinary(Buffer.concat([header, row(Buffer.alloc(3))]))).toThrow(/cut short/);
    const twoFields = Buffer.concat([header, Buffer.from([0, 2]), trailer]);
    expect(() => parseCopyBinary(twoFields)).toThrow(/2 fields/);
  });
});
