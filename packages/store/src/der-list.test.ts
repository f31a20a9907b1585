import { describe, expect, it } from "vitest";
import { opensslCertificate } from "../test/fresh-store.js";
import { joinDer, splitDer } from "./der-list.js";
import { StoreError } from "./errors.js";

describe("DER certificate lists", () => {
  it("round-trips certificates byte for byte, and the empty list", () => {
    const certs = [opensslCertificate("One", ["one@x.org"]), opensslCertificate("Two", [])].map((c) => c.der);
    const back = splitDer(joinDer(certs));
    expect(back.map((b) => Buffer.from(b).toString("hex"))).toEqual(
      certs.map((c) => Buffer.from(c).toString("hex")),
    );
    expect(splitDer(joinDer([]))).toEqual([]);
  });

  it("refuses a damaged list instead of returning part of it", () => {
    const der = opensslCertificate("One", []).der;
    expect(() => splitDer(joinDer([der, der]).subarray(0, der.length + 10))).toThrow(StoreError);
  });
});
