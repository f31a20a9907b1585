import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { children, readRoot, type Tlv } from "../asn1/ber-reader.js";
import { CoreError } from "../errors.js";
import { openMessage } from "./open.js";
import { protectMessage } from "./protect.js";
import { sampleMessage } from "./test-support/messages.js";
import { detachedParts, flipByte, rewriteCms } from "./test-support/mime-craft.js";
import { type Party, SmimePki } from "./test-support/pki.js";
import type { Layer } from "./types.js";

/**
 * Tampering at the message level: one byte flipped inside the signed
 * content, the signed attributes or the signature value — in part 1 directly, or inside the
 * base64 (decode, flip, re-encode) — never yields a `valid` signer; inside GCM ciphertext or
 * tag it never yields a decrypted layer. And no flip or cut anywhere makes openMessage throw
 * anything but a CoreError.
 */
let pki: SmimePki;
let alice: Party; // RSA
let erin: Party; // ECDSA P-256
let bob: Party;
const messages: Record<string, Buffer> = {};
const raw = sampleMessage({ attachment: Buffer.alloc(700, 0x5a) }).raw;

beforeAll(async () => {
  pki = new SmimePki("tamper");
  alice = pki.party("Alice Example");
  erin = pki.party("Erin Curve", { key: "p256", emails: ["alice@example.test"] });
  bob = pki.party("Bob Example");
  for (const [name, identity, scheme] of [
    ["rsa", alice.identity, "pkcs1"],
    ["pss", alice.identity, "pss"],
    ["ec", erin.identity, "pkcs1"],
  ] as const) {
    for (const opaque of [false, true]) {
      messages[`${name}-${opaque ? "opaque" : "detached"}`] = Buffer.from(
        await protectMessage(raw, { sign: { identity, opaque, scheme } }),
      );
    }
  }
  for (const cipher of ["AES-128-GCM", "AES-256-GCM"] as const)
    messages[cipher] = Buffer.from(
      await protectMessage(raw, { encrypt: { recipients: [bob.certificate], cipher } }),
    );
  messages.cbc = Buffer.from(await protectMessage(raw, { encrypt: { recipients: [bob.certificate] } }));
  messages["signed+gcm"] = Buffer.from(
    await protectMessage(raw, {
      sign: { identity: alice.identity },
      encrypt: { recipients: [bob.certificate], cipher: "AES-256-GCM" },
    }),
  );
}, 60_000);

afterAll(() => pki?.cleanup());

const open = (message: Uint8Array) =>
  openMessage(message, { identities: [bob.identity], trust: [pki.caCertificate] });

/** Opens, and returns the layers, or the CoreError (anything else fails the test). */
async function outcome(message: Uint8Array): Promise<Layer[] | CoreError> {
  try {
    return (await open(message)).layers;
  } catch (error) {
    if (!(error instanceof CoreError)) throw error;
    return error;
  }
}

function neverValid(result: Layer[] | CoreError): void {
  if (result instanceof CoreError) return;
  for (const layer of result)
    if (layer.type === "signed") for (const s of layer.signers) expect(s.status).not.toBe("valid");
}

function neverDecrypted(result: Layer[] | CoreError): void {
  if (result instanceof CoreError) {
    expect(["decryption-failed", "malformed", "not-a-recipient", "unsupported-algorithm"]).toContain(
      result.code,
    );
    return;
  }
  expect(result.some((l) => l.type === "encrypted")).toBe(false);
}

const child = (der: Uint8Array, tlv: Tlv | undefined, i: number): Tlv => {
  const c = children(der, tlv as Tlv)[i];
  if (!c) throw new Error(`no child ${i}`);
  return c;
};
const lastChild = (der: Uint8Array, tlv: Tlv): Tlv => {
  const all = children(der, tlv);
  return all[all.length - 1] as Tlv;
};

/** Regions of a SignedData ContentInfo (RFC 5652 §5.1, §5.3), as [start, end) offsets. */
function signedRegions(der: Uint8Array) {
  const sd = child(der, child(der, readRoot(der), 1), 0);
  const encap = child(der, sd, 2);
  const eContent = children(der, encap)[1];
  const signerInfo = child(der, lastChild(der, sd), 0);
  const fields = children(der, signerInfo);
  const attrs = fields.find((f) => f.tag === 0xa0) as Tlv;
  const signature = fields.find((f, i) => i > 3 && f.tag === 0x04) as Tlv;
  const octets = eContent ? child(der, eContent, 0) : undefined;
  return {
    content: octets ? ([octets.contentStart, octets.contentEnd] as const) : undefined,
    attributes: [attrs.start, attrs.end] as const,
    signature: [signature.contentStart, signature.contentEnd] as const,
  };
}

/** encryptedContent and mac of an AuthEnvelopedData ContentInfo (RFC 5083 §2.1). */
function gcmRegions(der: Uint8Array) {
  const aed = child(der, child(der, readRoot(der), 1), 0);
  const fields = children(der, aed);
  const encryptedContentInfo = fields.find(
    (f, i) => i > 0 && f.tag === 0x30 && children(der, f).length === 3,
  ) as Tlv;
  const content = child(der, encryptedContentInfo, 2);
  const mac = fields[fields.length - 1] as Tlv;
  return {
    ciphertext: [content.contentStart, content.contentEnd] as const,
    tag: [mac.contentStart, mac.contentEnd] as const,
  };
}

const at = (range: readonly [number, number], fraction: number) =>
  range[0] + Math.min(range[1] - range[0] - 1, Math.floor(fraction * (range[1] - range[0])));

const signedNames = ["rsa-detached", "rsa-opaque", "pss-detached", "pss-opaque", "ec-detached", "ec-opaque"];

describe("a flipped byte never yields valid (property)", () => {
  it("sanity: every untampered message opens valid / decrypted", async () => {
    for (const name of signedNames) {
      const layers = await open(messages[name] as Buffer);
      expect(layers.layers[0]).toMatchObject({ signers: [{ status: "valid" }] });
    }
    for (const name of ["AES-128-GCM", "AES-256-GCM", "signed+gcm"]) {
      expect((await open(messages[name] as Buffer)).layers[0]).toMatchObject({ decrypted: true });
    }
  });

  it("inside the signed content: part 1 as it travels, or eContent inside the base64", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...signedNames),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 255 }),
        async (name, where, mask) => {
          const message = messages[name] as Buffer;
          let tampered: Buffer;
          if (name.endsWith("detached")) {
            const { signed } = detachedParts(message);
            const start = message.indexOf(signed);
            tampered = flipByte(message, at([start, start + signed.length], where), mask);
          } else {
            tampered = rewriteCms(message, (der) => {
              const range = signedRegions(der).content;
              if (!range) throw new Error("opaque without content");
              return flipByte(der, at(range, where), mask);
            });
          }
          neverValid(await outcome(tampered));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("inside the signed attributes or the signature value (decoded, flipped, re-encoded)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...signedNames),
        fc.constantFrom("attributes" as const, "signature" as const),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 255 }),
        async (name, region, where, mask) => {
          const tampered = rewriteCms(messages[name] as Buffer, (der) =>
            flipByte(der, at(signedRegions(der)[region], where), mask),
          );
          neverValid(await outcome(tampered));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("a flipped byte in GCM ciphertext or tag never yields decrypted (property)", () => {
  it("AuthEnvelopedData alone, and around a signed message", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("AES-128-GCM", "AES-256-GCM", "signed+gcm"),
        fc.constantFrom("ciphertext" as const, "tag" as const),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 255 }),
        async (name, region, where, mask) => {
          const tampered = rewriteCms(messages[name] as Buffer, (der) =>
            flipByte(der, at(gcmRegions(der)[region], where), mask),
          );
          neverDecrypted(await outcome(tampered));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("no crash (property)", () => {
  it("any byte of any protected message flipped, or the message cut anywhere: a result or a CoreError", async () => {
    const names = Object.keys(messages);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        async (name, where, mask, cut) => {
          const message = messages[name] as Buffer;
          const i = Math.min(message.length - 1, Math.floor(where * message.length));
          const broken = cut ? message.subarray(0, i) : flipByte(message, i, mask);
          await outcome(broken); // throws (failing the property) on anything but a CoreError
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a flip inside the base64 of each CMS, anywhere in the DER: a result or a CoreError", async () => {
    const names = Object.keys(messages);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 255 }),
        async (name, where, mask) => {
          const tampered = rewriteCms(messages[name] as Buffer, (der) =>
            flipByte(der, Math.min(der.length - 1, Math.floor(where * der.length)), mask),
          );
          await outcome(tampered);
        },
      ),
      { numRuns: 300 },
    );
  });
});
