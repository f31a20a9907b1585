import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CipherName, DigestName } from "../algorithms.js";
import { splitMultipart } from "../mime/multipart.js";
import { entityContentType, type MimeEntity, parseEntity } from "../mime/parse-entity.js";
import { decodeEntityBody } from "./body.js";
import { openMessage } from "./open.js";
import { type ProtectOptions, protectMessage } from "./protect.js";
import {
  expectedEntity,
  expectedInner,
  leaves,
  type MessageModel,
  messageModel,
  serializeMessage,
  signableAsWritten,
} from "./test-support/arbitraries.js";
import { headerAndBody } from "./test-support/mime-craft.js";
import { type Party, SmimePki } from "./test-support/pki.js";
import type { EncryptedLayer, SignedLayer } from "./types.js";

/**
 * protect → open round trips over random MIME and random options.
 *
 * What "equal" means here, precisely:
 * - every leaf of the model (decoded text in canonical CRLF, attachment octets exactly — also
 *   for `Content-Transfer-Encoding: binary`) decodes from the opened content unchanged, in
 *   order, with its media type;
 * - signing: `content` is the exact signed bytes, which are the canonical entity protect built
 *   (its Content-* fields and body); when every leaf is already 7-bit safe that is byte for
 *   byte the canonical form of what the user wrote;
 * - encryption only: `content` is the decrypted octets, which equal the message protect
 *   wrapped: the other header fields minus Bcc, `MIME-Version: 1.0`, the canonical entity;
 * - layers: encrypted (cipher, key management, recipient count) outside signed (form, digest,
 *   content kind, one `valid` signer, trusted through the test root and matching From).
 */
let pki: SmimePki;
let alice: Party; // RSA signer
let erin: Party; // ECDSA P-256 signer and ECDH recipient
let bob: Party; // RSA recipient
let carol: Party; // RSA recipient

beforeAll(() => {
  pki = new SmimePki("round-trip");
  alice = pki.party("Alice Example");
  erin = pki.party("Erin Curve", { key: "p256", emails: ["alice@example.test"] });
  bob = pki.party("Bob Example");
  carol = pki.party("Carol Example");
}, 60_000);

afterAll(() => pki?.cleanup());

interface Choice {
  sign: { signer: "rsa" | "pss" | "ec"; digest: DigestName; opaque: boolean } | null;
  encrypt: {
    cipher: CipherName;
    recipients: Array<"bob" | "carol" | "erin">;
    oaep: boolean;
    reader: number;
  } | null;
}

const choice: fc.Arbitrary<Choice> = fc
  .record({
    sign: fc.option(
      fc.record({
        signer: fc.constantFrom("rsa" as const, "pss" as const, "ec" as const),
        digest: fc.constantFrom<DigestName>("SHA-256", "SHA-384", "SHA-512"),
        opaque: fc.boolean(),
      }),
      { nil: null },
    ),
    encrypt: fc.option(
      fc.record({
        cipher: fc.constantFrom<CipherName>(
          "AES-128-CBC",
          "AES-192-CBC",
          "AES-256-CBC",
          "AES-128-GCM",
          "AES-192-GCM",
          "AES-256-GCM",
          "3DES-CBC",
        ),
        recipients: fc.subarray(["bob" as const, "carol" as const, "erin" as const], { minLength: 1 }),
        oaep: fc.boolean(),
        reader: fc.nat(),
      }),
      { nil: null },
    ),
  })
  .filter((c) => c.sign !== null || c.encrypt !== null);

function party(name: "bob" | "carol" | "erin"): Party {
  return { bob, carol, erin }[name];
}

function protectOptions(c: Choice): ProtectOptions {
  return {
    ...(c.sign
      ? {
          sign: {
            identity: c.sign.signer === "ec" ? erin.identity : alice.identity,
            digest: c.sign.digest,
            opaque: c.sign.opaque,
            scheme: c.sign.signer === "pss" ? "pss" : "pkcs1",
          },
        }
      : {}),
    ...(c.encrypt
      ? {
          encrypt: {
            recipients: c.encrypt.recipients.map((r) => party(r).certificate),
            cipher: c.encrypt.cipher,
            oaep: c.encrypt.oaep,
          },
        }
      : {}),
  };
}

/** Decoded leaves of an opened entity, walked with the MIME reader. */
function decodedLeaves(entity: MimeEntity): Array<{ mediaType: string; octets: Buffer }> {
  const ct = entityContentType(entity);
  if (ct.type === "multipart") return splitMultipart(entity).parts.flatMap((p) => decodedLeaves(p.entity));
  return [{ mediaType: ct.mediaType, octets: Buffer.from(decodeEntityBody(entity)) }];
}

async function roundTrip(model: MessageModel, c: Choice): Promise<void> {
  const raw = serializeMessage(model);
  const message = Buffer.from(await protectMessage(raw, protectOptions(c)));
  expect(message.includes("secret-observer")).toBe(false); // Bcc never leaves
  const { header } = headerAndBody(message);
  expect(header).toMatch(/^From: /m);

  const readers = c.encrypt ? c.encrypt.recipients : [];
  const reader =
    readers.length > 0 ? party(readers[(c.encrypt?.reader ?? 0) % readers.length] as "bob") : bob;
  const opened = await openMessage(message, { identities: [reader.identity], trust: [pki.caCertificate] });
  const types = opened.layers.map((l) => l.type);
  expect(types).toEqual([...(c.encrypt ? ["encrypted"] : []), ...(c.sign ? ["signed"] : [])]);

  if (c.encrypt) {
    const layer = opened.layers[0] as EncryptedLayer;
    expect(layer.cipher).toBe(c.encrypt.cipher);
    expect(layer.kind).toBe(c.encrypt.cipher.endsWith("GCM") ? "authEnveloped" : "enveloped");
    expect(layer.recipients).toBe(c.encrypt.recipients.length);
    const expectedKm = new Set(
      c.encrypt.recipients.map((r) => (r === "erin" ? "ECDH" : c.encrypt?.oaep ? "RSA-OAEP" : "RSA")),
    );
    expect(new Set(layer.keyManagement)).toEqual(expectedKm);
    if (!c.sign) expect(Buffer.from(opened.content).equals(expectedInner(model))).toBe(true);
  }

  if (c.sign) {
    const layer = opened.layers[opened.layers.length - 1] as SignedLayer;
    expect(layer.form).toBe(c.sign.opaque ? "opaque" : "detached");
    expect(layer.digest).toBe(c.sign.digest);
    expect(layer.content).toBe(
      model.bare || model.body.kind === "text"
        ? "Text"
        : model.body.kind === "binary"
          ? model.body.mediaType.split("/")[0]?.replace(/^./, (x) => x.toUpperCase())
          : "Multipart",
    );
    expect(layer.signers).toHaveLength(1);
    expect(layer.signers[0]?.status, layer.signers[0]?.reason).toBe("valid");
    const entity = expectedEntity(model);
    const asWritten = model.bare
      ? /^Content-Transfer-Encoding: 7bit/m.test(entity.toString("latin1")) &&
        signableAsWritten({ ...model.body, cte: "7bit" } as never)
      : signableAsWritten(model.body);
    if (asWritten) expect(Buffer.from(opened.content).toString("latin1")).toBe(entity.toString("latin1"));
  }

  const got = decodedLeaves(parseEntity(opened.content));
  const want = leaves(model.body);
  expect(got.map((l) => l.mediaType)).toEqual(want.map((l) => l.mediaType));
  got.forEach((leaf, i) => {
    expect(leaf.octets.toString("hex")).toBe(want[i]?.octets.toString("hex"));
  });
}

describe("protect → open round trip (property)", () => {
  it("random MIME, random options: the content, the layers and a valid signer come back", async () => {
    await fc.assert(
      fc.asyncProperty(messageModel, choice, async (model, c) => roundTrip(model, c)),
      { numRuns: 80 },
    );
  });

  it("binary attachments keep every octet, LF and CR included (pins protect canonicalising binary bodies)", async () => {
    const data = Buffer.from([0x41, 0x0a, 0x42, 0x0d, 0x43, 0x0d, 0x0a, 0x00, 0xff, 0x0a]);
    const model: MessageModel = {
      headers: ["From: alice@example.test", "To: bob@example.test"],
      bare: false,
      eol: "\n",
      body: {
        kind: "multipart",
        subtype: "mixed",
        preamble: null,
        epilogue: null,
        parts: [
          { kind: "text", subtype: "plain", charset: "us-ascii", cte: "7bit", lines: ["see attachment"] },
          { kind: "binary", mediaType: "application/octet-stream", cte: "binary", data, filename: "a.bin" },
        ],
      },
    };
    for (const c of [
      { sign: { signer: "rsa", digest: "SHA-256", opaque: false }, encrypt: null },
      { sign: null, encrypt: { cipher: "AES-256-CBC", recipients: ["bob"], oaep: false, reader: 0 } },
      {
        sign: { signer: "ec", digest: "SHA-384", opaque: true },
        encrypt: { cipher: "AES-128-GCM", recipients: ["bob", "erin"], oaep: true, reader: 1 },
      },
    ] satisfies Choice[]) {
      await roundTrip(model, c);
    }
  });
});
