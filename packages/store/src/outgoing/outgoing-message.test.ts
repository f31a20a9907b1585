import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeOutgoing,
  decodeOutgoingPayload,
  encodeOutgoing,
  encodeOutgoingEnvelope,
} from "./outgoing-message.js";

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

describe("outgoing payloads queued before message blobs", () => {
  it("an inline payload is written exactly as before and still read", () => {
    // The payload format of every job already queued: length, JSON envelope, the bytes.
    const head =
      '{"envelopeFrom":"a@b.example","recipients":["c@d.example"],"accountId":null,"isBounce":false}';
    const old = Buffer.concat([
      Buffer.from([0, 0, 0, head.length]),
      Buffer.from(head),
      Buffer.from("raw bytes"),
    ]);
    const encoded = encodeOutgoing({
      envelopeFrom: "a@b.example",
      recipients: ["c@d.example"],
      raw: Buffer.from("raw bytes"),
    });
    expect(Buffer.from(encoded).equals(old)).toBe(true);
    expect(decodeOutgoingPayload(old)).toEqual({
      envelope: { envelopeFrom: "a@b.example", recipients: ["c@d.example"] },
      raw: Buffer.from("raw bytes"),
    });
  });

  it("an envelope-only payload says its bytes are in the job's blob", () => {
    const payload = encodeOutgoingEnvelope({ envelopeFrom: "", recipients: ["c@d.example"], isBounce: true });
    expect(decodeOutgoingPayload(payload)).toEqual({
      envelope: { envelopeFrom: "", recipients: ["c@d.example"], isBounce: true },
      raw: null,
    });
    expect(() => decodeOutgoing(payload)).toThrow(/in the job's blob/);
  });
});
