import { PassThrough } from "node:stream";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptEnveloped } from "../cms/enveloped/index.js";
import { type OpenOptions, type OpenResult, openMessage } from "./open.js";
import { type OpenStreamOptions, type OpenStreamResult, openMessageStream } from "./open-stream.js";
import { type ProtectOptions, protectMessage } from "./protect.js";
import { messageModel, serializeMessage } from "./test-support/arbitraries.js";
import { flipByte, wrapPkcs7 } from "./test-support/mime-craft.js";
import { openssl } from "./test-support/peers.js";
import { type Party, SmimePki } from "./test-support/pki.js";

/**
 * openMessageStream against openMessage: the same layers, verdicts and
 * innermost content for what we write and what openssl writes, however the message is chunked,
 * with every layer streamed (bufferBelow 0); the documented limits of streaming (digests not
 * announced by micalg, signatures without signed attributes) fail with "not-streamable".
 */
let pki: SmimePki;
let alice: Party;
let bob: Party;
let at: Date;

beforeAll(() => {
  pki = new SmimePki("open-stream");
  alice = pki.party("Alice Example");
  bob = pki.party("Bob Example");
  at = new Date(Date.now() + 1000); // certificates are valid from their creation (whole seconds)
}, 60_000);

afterAll(() => pki?.cleanup());

function* chunks(bytes: Uint8Array, sizes: readonly number[]): Generator<Uint8Array> {
  let i = 0;
  for (let offset = 0; offset < bytes.length; i++) {
    const size = Math.max(1, (sizes[i % sizes.length] as number | undefined) ?? 65536);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

const report = (layers: OpenResult["layers"]) =>
  JSON.parse(JSON.stringify(layers, (key, value) => (key === "certificate" ? undefined : value)));

const options = (): OpenOptions => ({
  identities: [bob.identity, alice.identity],
  trust: [pki.caCertificate],
  at,
});

async function streamed(
  message: Uint8Array,
  extra: Partial<OpenStreamOptions> = {},
  sizes: number[] = [65536],
): Promise<{ result: OpenStreamResult; content: Buffer }> {
  const parts: Buffer[] = [];
  const result = await openMessageStream(chunks(message, sizes), {
    ...options(),
    bufferBelow: 0,
    out: (chunk) => void parts.push(Buffer.from(chunk)),
    ...extra,
  });
  return { result, content: Buffer.concat(parts) };
}

async function expectSame(message: Uint8Array, sizes: number[] = [65536]): Promise<OpenResult> {
  const want = await openMessage(message, options());
  const got = await streamed(message, {}, sizes);
  expect(report(got.result.layers)).toEqual(report(want.layers));
  expect(got.content.equals(Buffer.from(want.content))).toBe(true);
  expect(got.result.contentBytes).toBe(want.content.length);
  return want;
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: { code?: string }) => error.code ?? String(error),
  );

describe("openMessageStream opens what openMessage opens", () => {
  it("our own output, every protect option, random MIME and chunking (property)", async () => {
    const protectOptions = fc.constantFrom<ProtectOptions>(
      { sign: { identity: alice.identity } },
      { sign: { identity: alice.identity, digest: "SHA-512" as const } },
      { sign: { identity: alice.identity, opaque: true } },
      { encrypt: { recipients: [bob.certificate] } },
      { encrypt: { recipients: [bob.certificate], cipher: "AES-256-GCM" as const } },
      { sign: { identity: alice.identity }, encrypt: { recipients: [bob.certificate] } },
      { sign: { identity: alice.identity, opaque: true }, encrypt: { recipients: [bob.certificate] } },
    );
    await fc.assert(
      fc.asyncProperty(
        messageModel,
        protectOptions,
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 4 }),
        async (model, protect, sizes) => {
          await expectSame(await protectMessage(serializeMessage(model), protect), sizes);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("what openssl cms writes: detached, opaque, SHA-512, CBC, GCM, signed then encrypted", async () => {
    const message = serializeMessage(fc.sample(messageModel, { numRuns: 1, seed: 7 })[0] as never);
    const signed = openssl.sign(pki, message, alice);
    const encrypted = openssl.encrypt(pki, message, [{ party: bob }], ["-aes256"]);
    const cases = [
      signed,
      openssl.sign(pki, message, alice, ["-nodetach"]),
      openssl.sign(pki, message, alice, ["-md", "sha512"]),
      encrypted,
      openssl.encrypt(pki, message, [{ party: bob }], ["-aes-128-gcm"]),
      openssl.encrypt(pki, signed, [{ party: bob }], ["-aes256"]),
    ];
    for (const message of cases) for (const sizes of [[1, 7, 300], [65536]]) await expectSame(message, sizes);
    const layers = (await expectSame(openssl.encrypt(pki, signed, [{ party: bob }], ["-aes256"]))).layers;
    expect(layers.map((l) => l.type)).toEqual(["encrypted", "signed"]);
  });

  it("writes the content to a Node Writable (honouring drain) or a WHATWG WritableStream", async () => {
    const message = await protectMessage(
      serializeMessage(fc.sample(messageModel, { numRuns: 1, seed: 3 })[0] as never),
      {
        sign: { identity: alice.identity },
        encrypt: { recipients: [bob.certificate] },
      },
    );
    const want = await openMessage(message, options());
    const node = new PassThrough({ highWaterMark: 16 });
    const read: Buffer[] = [];
    node.on("data", (chunk: Buffer) => read.push(chunk));
    await openMessageStream(chunks(message, [50]), { ...options(), bufferBelow: 0, out: node });
    expect(Buffer.concat(read).equals(Buffer.from(want.content))).toBe(true);
    const written: Uint8Array[] = [];
    const web = new WritableStream<Uint8Array>({ write: (chunk) => void written.push(Buffer.from(chunk)) });
    await openMessageStream(chunks(message, [50]), { ...options(), bufferBelow: 0, out: web });
    expect(Buffer.concat(written).equals(Buffer.from(want.content))).toBe(true);
  });
});

describe("openMessageStream: what streaming cannot do, and what it must never do", () => {
  it("a signer without signed attributes or with a digest micalg did not announce: not-streamable", async () => {
    const entity = Buffer.from("Content-Type: text/plain\r\n\r\nhello\r\n");
    const noAttributes = openssl.sign(pki, entity, alice, ["-noattr"]);
    expect(await codeOf(streamed(noAttributes))).toBe("not-streamable");
    const small = await openMessageStream(chunks(noAttributes, [10]), options()); // default bufferBelow: openMessage
    expect(small.layers[0]?.type === "signed" && small.layers[0].signers[0]?.status).toBe("valid");

    const sha512 = openssl.sign(pki, entity, alice, ["-md", "sha512"]).toString("latin1");
    expect(sha512).toContain('micalg="sha-512"');
    const lying = Buffer.from(sha512.replace('micalg="sha-512"', 'micalg="sha-1"'), "latin1");
    expect(await codeOf(streamed(lying))).toBe("not-streamable");
    const silent = Buffer.from(sha512.replace('micalg="sha-512"; ', ""), "latin1");
    expect(await codeOf(streamed(silent))).toBe("not-streamable");
    const sha256 = openssl.sign(pki, entity, alice).toString("latin1").replace('micalg="sha-256"; ', "");
    await expectSame(Buffer.from(sha256, "latin1")); // SHA-256 is always computed
  });

  it("altered content is never valid; a bad GCM tag or a wrong key is the one decryption error", async () => {
    const raw = serializeMessage(fc.sample(messageModel, { numRuns: 1, seed: 11 })[0] as never);
    const signed = Buffer.from(await protectMessage(raw, { sign: { identity: alice.identity } }));
    const part1 = signed.indexOf("\r\n", signed.indexOf("------=_sealbox_")) + 2; // "Content-…" of part 1
    const tampered = await streamed(flipByte(signed, part1, 0x20)); // "content-…": same meaning, other bytes
    const layer = tampered.result.layers[0];
    expect(layer?.type === "signed" && layer.signers[0]?.status).toBe("bad-signature");

    const gcm = Buffer.from(
      await protectMessage(raw, { encrypt: { recipients: [bob.certificate], cipher: "AES-128-GCM" } }),
    );
    const lastLine = gcm.lastIndexOf("\r\n", gcm.length - 3) + 2; // the base64 line holding the tag
    const badTag = Buffer.from(gcm);
    badTag[lastLine + 4] = badTag[lastLine + 4] === 0x41 ? 0x42 : 0x41;
    const written: Buffer[] = [];
    const code = await codeOf(
      openMessageStream(chunks(badTag, [100]), {
        ...options(),
        bufferBelow: 0,
        out: (c) => void written.push(c as Buffer),
      }),
    );
    expect(code).toBe("decryption-failed");
    expect(written).toEqual([]); // GCM plaintext is released only after the tag verifies

    const cbc = await protectMessage(raw, { encrypt: { recipients: [bob.certificate] } });
    const carol = pki.party("Carol Example");
    const wrongKey = { ...bob.identity, privateKey: carol.identity.privateKey };
    const want = await codeOf(openMessage(cbc, { identities: [wrongKey] }));
    expect(want).toBe("decryption-failed");
    expect(
      await codeOf(openMessageStream(chunks(cbc, [999]), { identities: [wrongKey], bufferBelow: 0 })),
    ).toBe(want);
  });

  it("CBC plaintext that cannot be a message is the decryption failure too, as in openMessage", async () => {
    const contents = [
      Buffer.concat([Buffer.from("no header, then a NUL: "), Buffer.alloc(1), Buffer.alloc(300_000, 0x61)]),
      Buffer.concat([Buffer.alloc(300_000, 0x62), Buffer.from([0xc3])]), // UTF-8 cut short at the very end
      Buffer.from("Subject: fine\r\n\r\nbinary \u0000 body is fine\r\n"),
      Buffer.from("Gr\u00fc\u00dfe, a header-less UTF-8 text\r\n".repeat(20_000)),
    ];
    for (const content of contents) {
      const der = await encryptEnveloped(content, { recipients: [bob.certificate] });
      const message = wrapPkcs7({
        contentType: "Content-Type: application/pkcs7-mime; smime-type=enveloped-data",
        der,
      });
      const want = await codeOf(openMessage(message, options()));
      expect(await codeOf(streamed(message, {}, [4096]))).toBe(want);
    }
    expect(
      await codeOf(
        openMessage(
          wrapPkcs7({
            contentType: "Content-Type: application/pkcs7-mime",
            der: await encryptEnveloped(contents[0] as Buffer, { recipients: [bob.certificate] }),
          }),
          options(),
        ),
      ),
    ).toBe("decryption-failed");
  });

  it("refuses broken structure and oversize input like openMessage", async () => {
    const signed = openssl
      .sign(pki, Buffer.from("Content-Type: text/plain\r\n\r\nhi\r\n"), alice)
      .toString("latin1");
    const boundary = /boundary="([^"]+)"/.exec(signed)?.[1] as string;
    const broken = [
      signed.replace(`--${boundary}--`, ""), // no close delimiter
      signed.replace(`--${boundary}--`, `--${boundary}\r\n\r\nthird\r\n--${boundary}--`), // three parts
      signed.replace("application/pkcs7-signature; name", "text/plain; name"), // not a signature part
    ];
    for (const text of broken) {
      const message = Buffer.from(text, "latin1");
      const want = await codeOf(openMessage(message, options()));
      expect(want).toBe("malformed");
      expect(await codeOf(streamed(message))).toBe(want);
    }
    const both = await protectMessage(Buffer.from("Subject: x\r\n\r\nhi\r\n"), {
      sign: { identity: alice.identity },
      encrypt: { recipients: [bob.certificate] },
    });
    expect(await codeOf(streamed(both, { limits: { maxLayers: 1 } }))).toBe("limit-exceeded");
    expect(await codeOf(streamed(both, { limits: { maxMessageBytes: 1000 } }))).toBe("limit-exceeded");
  });
});
