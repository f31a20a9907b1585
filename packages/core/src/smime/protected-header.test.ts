import { beforeAll, describe, expect, it } from "vitest";
import { createCa } from "../ca/create-ca.js";
import { issueUserCertificate } from "../ca/issue-user-certificate.js";
import type { Certificate } from "../pki/certificate.js";
import type { Identity } from "../pki/identity.js";
import { encryptWholeMessage } from "./encrypt-whole-message.js";
import { openMessage } from "./open.js";
import { openMessageStream } from "./open-stream.js";
import { protectMessage } from "./protect.js";

/**
 * Signed, then encrypted with the signed message's header inside (RFC 8551 §3.1, RFC 9788):
 * a reader is shown the header inside the encryption, so the signer is checked against that
 * From, not the envelope's, which anyone on the way can rewrite. Both open paths agree.
 */
let ca: Certificate;
let alice: Identity;
let mallory: Identity;
let bob: Identity;

beforeAll(async () => {
  const authority = await createCa({ name: "Protected Header CA", keyAlgorithm: "EC-P256" });
  ca = authority.certificate;
  const issue = async (email: string, name: string) => {
    const u = await issueUserCertificate(authority, { email, name, keyAlgorithm: "EC-P256" });
    return { privateKey: u.privateKey!, certificate: u.certificate, chain: u.chain };
  };
  alice = await issue("alice@example.test", "Alice");
  mallory = await issue("mallory@example.test", "Mallory");
  bob = await issue("bob@example.test", "Bob");
});

/** Signed by `signer` with `innerFrom` inside, encrypted to Bob, the envelope's From rewritten to `outerFrom`. */
async function sealed(signer: Identity, innerFrom: string, outerFrom: string): Promise<Uint8Array> {
  const message = Buffer.from(
    `From: ${innerFrom}\r\nTo: bob@example.test\r\nSubject: quarterly\r\n` +
      "Content-Type: text/plain\r\n\r\nThe figures.\r\n",
  );
  const signed = await protectMessage(message, { sign: { identity: signer } });
  const encrypted = Buffer.from(await encryptWholeMessage(signed, { recipients: [bob.certificate] }));
  const text = encrypted.toString("latin1").replace(/^From: .*$/m, `From: ${outerFrom}`);
  return Buffer.from(text, "latin1");
}

async function statuses(raw: Uint8Array) {
  const options = { identities: [bob], trust: [ca] };
  const whole = await openMessage(raw, options);
  const streamed = await openMessageStream([raw], options);
  const of = (layers: typeof whole.layers) =>
    layers.flatMap((l) => (l.type === "signed" ? l.signers.map((s) => s.status) : []));
  expect(of(streamed.layers)).toEqual(of(whole.layers));
  return { status: of(whole.layers), protectedHeader: Buffer.from(whole.protectedHeader ?? []).toString() };
}

describe("signatures inside encryption are checked against the protected From", () => {
  it("Alice signs as Alice; a relay rewrote the envelope From: valid, and the header shown is Alice's", async () => {
    const r = await statuses(await sealed(alice, "Alice <alice@example.test>", "someone@else.example"));
    expect(r.status).toEqual(["valid"]);
    expect(r.protectedHeader).toMatch(/^From: Alice <alice@example\.test>\r\n/m);
  });

  it("Mallory signs a message that says it is from Alice, with her own address outside: address mismatch", async () => {
    const r = await statuses(await sealed(mallory, "Alice <alice@example.test>", "mallory@example.test"));
    expect(r.status).toEqual(["address-mismatch"]);
  });

  it("a signature outside the encryption was checked against the envelope: no protected header is offered", async () => {
    // Encrypted first (Alice's header inside), then signed by Mallory with her own envelope From.
    const inner = Buffer.from(
      "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: q\r\nContent-Type: text/plain\r\n\r\nHi.\r\n",
    );
    const encrypted = Buffer.from(await encryptWholeMessage(inner, { recipients: [bob.certificate] }))
      .toString("latin1")
      .replace(/^From: .*$/m, "From: mallory@example.test");
    const raw = await protectMessage(Buffer.from(encrypted, "latin1"), { sign: { identity: mallory } });
    const options = { identities: [bob], trust: [ca] };
    for (const opened of [await openMessage(raw, options), await openMessageStream([raw], options)]) {
      expect(opened.layers.map((l) => l.type)).toEqual(["signed", "encrypted"]);
      const signed = opened.layers[0];
      expect(signed?.type === "signed" && signed.signers[0]?.status).toBe("valid");
    }
    expect((await openMessage(raw, options)).protectedHeader).toBeUndefined();
  });

  it("a caller's explicit `from` still decides", async () => {
    const raw = await sealed(mallory, "Alice <alice@example.test>", "mallory@example.test");
    const opened = await openMessage(raw, { identities: [bob], trust: [ca], from: "mallory@example.test" });
    const signed = opened.layers.find((l) => l.type === "signed");
    expect(signed?.type === "signed" && signed.signers[0]?.status).toBe("valid");
  });
});
