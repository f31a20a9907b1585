import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptOuterLayer } from "./decrypt-layer.js";
import { type DecryptLayerStreamResult, decryptOuterLayerStream } from "./decrypt-layer-stream.js";
import { encryptWholeMessage } from "./encrypt-whole-message.js";
import { protectMessage } from "./protect.js";
import { openssl } from "./test-support/peers.js";
import { type Party, SmimePki } from "./test-support/pki.js";

/**
 * decryptOuterLayerStream against decryptOuterLayer: the same plaintext message byte for byte
 * and the same layer, whether streamed (bufferBelow 0, awkward chunk sizes) or taken whole,
 * for what we encrypt and what openssl encrypts; the same refusals.
 */
let pki: SmimePki;
let alice: Party;
let bob: Party;

beforeAll(() => {
  pki = new SmimePki("decrypt-layer-stream");
  alice = pki.party("Alice Example");
  bob = pki.party("Bob Example");
}, 60_000);

afterAll(() => pki?.cleanup());

function* chunks(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** About 1.2 MiB of text lines: several storage chunks, above the whole-message threshold. */
function largeMessage(): Buffer {
  const lines = Array.from(
    { length: 20_000 },
    (_, i) => `line ${i} of the quarterly report, all figures final`,
  );
  return Buffer.from(
    "From: Carol <carol@example.test>\r\nTo: alice@example.test\r\nSubject: quarterly numbers\r\n" +
      "Date: Fri, 27 Nov 2026 01:00:00 +0000\r\nMessage-ID: <q@example.test>\r\n" +
      `Content-Type: text/plain\r\n\r\n${lines.join("\r\n")}\r\n`,
  );
}

async function streamed(
  message: Uint8Array,
  identities: Party[],
  bufferBelow = 0,
): Promise<{ bytes: Buffer; result: DecryptLayerStreamResult }> {
  const parts: Buffer[] = [];
  const generator = decryptOuterLayerStream(chunks(message, 65_521), {
    identities: identities.map((p) => p.identity),
    bufferBelow,
  });
  for (;;) {
    const step = await generator.next();
    if (step.done) return { bytes: Buffer.concat(parts), result: step.value };
    parts.push(Buffer.from(step.value));
  }
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: { code?: string }) => error.code ?? String(error),
  );

describe("decryptOuterLayerStream (Decrypt in place of a large message)", () => {
  it.each(["AES-256-CBC", "AES-128-GCM"] as const)(
    "restores a message encrypted whole with %s byte for byte, like decryptOuterLayer",
    async (cipher) => {
      const raw = largeMessage();
      const sealed = await encryptWholeMessage(raw, {
        recipients: [alice.certificate],
        cipher,
        hideSubject: true,
      });
      for (const bufferBelow of [0, 256 * 1024, sealed.length + 1]) {
        const { bytes, result } = await streamed(sealed, [alice], bufferBelow);
        expect(bytes.equals(raw), `bufferBelow ${bufferBelow}`).toBe(true);
        expect(result.layer.cipher).toBe(cipher);
        expect(Buffer.from(result.header).toString()).toMatch(/^From: Carol.*\r\n\r\n$/s);
        expect(Buffer.from(result.header).toString()).toContain("Subject: quarterly numbers\r\n");
      }
    },
  );

  it("keeps a signature inside and the outer fields openssl's message carries, as decryptOuterLayer", async () => {
    const signed = await protectMessage(largeMessage(), { sign: { identity: bob.identity } });
    // A relay's fields in front of openssl's output: kept in front of the decrypted entity.
    const sealed = Buffer.concat([
      Buffer.from("Received: from relay.example.test\r\nSubject: outer words\r\n"),
      openssl.encrypt(pki, signed, [{ party: alice }], ["-aes-256-cbc"]),
    ]);
    const whole = await decryptOuterLayer(sealed, { identities: [alice.identity] });
    const { bytes, result } = await streamed(sealed, [bob, alice]);
    expect(bytes.equals(Buffer.from(whole.message))).toBe(true);
    expect(bytes.toString("latin1")).toMatch(/^Received: from relay[\s\S]*multipart\/signed/);
    expect(bytes.toString("latin1")).not.toContain("outer words");
    expect(result.layer).toEqual(whole.layer);
  });

  it("refuses plaintext, a message for someone else and no key, with decryptOuterLayer's codes", async () => {
    const raw = largeMessage();
    const sealed = await encryptWholeMessage(raw, { recipients: [alice.certificate], cipher: "AES-256-CBC" });
    for (const [message, who] of [
      [raw, [alice]],
      [sealed, [bob]],
      [sealed, []],
    ] as const) {
      const want = await codeOf(decryptOuterLayer(message, { identities: who.map((p) => p.identity) }));
      expect(want).not.toBe("resolved");
      expect(await codeOf(streamed(message, [...who]))).toBe(want);
    }
  });
});
