import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeOutgoing, encodeOutgoing } from "./outgoing-message.js";

describe("outgoing job payload", () => {
  it("round-trips the envelope and the exact bytes", () => {
    fc.assert(
      fc.property(
        fc.emailAddress(),
        fc.array(fc.emailAddress(), { minLength: 1, maxLength: 5 }),
        fc.uint8Array({ maxLength: 5000 }),
        fc.boolean(),
        (from, recipients, raw, isBounce) => {
          const decoded = decodeOutgoing(encodeOutgoing({ envelopeFrom: from, recipients, raw, isBounce }));
          expect(decoded.envelopeFrom).toBe(from);
          expect(decoded.recipients).toEqual(recipients);
          expect(Buffer.from(decoded.raw).equals(Buffer.from(raw))).toBe(true);
          expect(decoded.isBounce ?? false).toBe(isBounce);
        },
      ),
    );
  });

  it("refuses truncated payloads", () => {
    expect(() => decodeOutgoing(Uint8Array.of(0, 0))).toThrow(/truncated/);
    expect(() => decodeOutgoing(Uint8Array.of(0, 0, 0, 9, 1))).toThrow(/truncated/);
  });
});
