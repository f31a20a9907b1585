import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createCa } from "../ca/create-ca.js";
import { issueUserCertificate } from "../ca/issue-user-certificate.js";
import { CoreError } from "../errors.js";
import { parseEntity } from "../mime/parse-entity.js";
import type { Identity } from "../pki/identity.js";
import { assemblePlaintext, decryptOuterLayer } from "./decrypt-layer.js";
import { encryptWholeMessage } from "./encrypt-whole-message.js";
import { protectMessage } from "./protect.js";
import { protectMessageStream } from "./protect-stream.js";

let alice: Identity;
let bob: Identity;

beforeAll(async () => {
  const ca = await createCa({ name: "Whole Message CA", keyAlgorithm: "EC-P256" });
  const a = await issueUserCertificate(ca, { email: "alice@example.test", name: "Alice" });
  const b = await issueUserCertificate(ca, {
    email: "bob@example.test",
    name: "Bob",
    keyAlgorithm: "EC-P256",
  });
  alice = { privateKey: a.privateKey!, certificate: a.certificate, chain: a.chain };
  bob = { privateKey: b.privateKey!, certificate: b.certificate, chain: b.chain };
});

const line = fc.stringMatching(/^[ -~]{0,60}$/);

describe("encryptWholeMessage → decryptOuterLayer (Encrypt / Decrypt in place)", () => {
  it("restores the stored message byte for byte, LF or CRLF, any header set (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 8 }),
        fc.array(line, { maxLength: 20 }),
        fc.boolean(),
        fc.boolean(),
        async (extra, body, lf, hide) => {
          const eol = lf ? "\n" : "\r\n";
          const headers = [
            "From: Carol <carol@example.test>",
            "To: alice@example.test",
            "Subject: quarterly numbers",
            "Date: Fri, 27 Nov 2026 01:00:00 +0000",
            "Message-ID: <x@y>",
            ...extra.map((e, i) => `X-Extra-${i}: ${e}`),
          ];
          const raw = Buffer.from(`${headers.join(eol)}${eol}${eol}${body.join(eol)}${eol}`, "latin1");
          const sealed = await encryptWholeMessage(raw, {
            recipients: [alice.certificate],
            cipher: "AES-128-GCM",
            hideSubject: hide,
          });
          const outer = parseEntity(sealed);
          expect(outer.headers.filter((f) => f.name === "Subject").map((f) => f.value)).toEqual([
            hide ? "[...]" : "quarterly numbers",
          ]);
          expect(Buffer.from(sealed).includes(Buffer.from("quarterly"))).toBe(!hide);
          const opened = await decryptOuterLayer(sealed, { identities: [alice] });
          expect(Buffer.from(opened.message).equals(raw)).toBe(true);
          expect(opened.layer.cipher).toBe("AES-128-GCM");
        },
      ),
      { numRuns: 25 },
    );
  });

  it("for a message encrypted elsewhere, keeps the outer non-Content fields and lets inner fields win", async () => {
    const raw = Buffer.from(
      "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: hi\r\nContent-Type: text/plain\r\n\r\nhello\r\n",
    );
    const sent = await protectMessage(raw, { encrypt: { recipients: [bob.certificate] } });
    const opened = await decryptOuterLayer(sent, { identities: [bob] });
    const text = Buffer.from(opened.message).toString();
    expect(text).toContain("hello");
    expect(text.match(/^From:/gm)?.length).toBe(1);
    expect(text).not.toMatch(/pkcs7-mime/);
    const assembled = assemblePlaintext(
      parseEntity(Buffer.from("Received: x\r\nSubject: outer\r\nContent-Type: a/b\r\n\r\n")).headers,
      Buffer.from("Subject: inner\r\n\r\nbody"),
    );
    expect(Buffer.from(assembled).toString()).toBe("Received: x\r\nSubject: inner\r\n\r\nbody");
  });

  it("refuses plaintext and messages for someone else", async () => {
    await expect(
      decryptOuterLayer(Buffer.from("Subject: x\r\n\r\nhi"), { identities: [alice] }),
    ).rejects.toMatchObject({ code: "invalid-argument" });
    const sealed = await encryptWholeMessage(Buffer.from("Subject: x\r\n\r\nhi"), {
      recipients: [bob.certificate],
    });
    await expect(decryptOuterLayer(sealed, { identities: [alice] })).rejects.toBeInstanceOf(CoreError);
  });
});

describe("hideSubject: one behaviour on every path that encrypts (RFC 9788 hcp_baseline)", () => {
  it("Store Encrypted / Encrypt in place and Send Encrypted (whole and streamed) all write Subject: [...] outside and keep the real one inside", async () => {
    const raw = Buffer.from(
      "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: the merger plans\r\nContent-Type: text/plain\r\n\r\nhello\r\n",
    );
    const streamed: Uint8Array[] = [];
    for await (const c of protectMessageStream([raw], {
      encrypt: { recipients: [bob.certificate] },
      hideSubject: true,
      bufferBelow: 0,
    }))
      streamed.push(c);
    const sealed = {
      whole: await encryptWholeMessage(raw, { recipients: [bob.certificate], hideSubject: true }),
      protect: await protectMessage(raw, { encrypt: { recipients: [bob.certificate] }, hideSubject: true }),
      stream: Buffer.concat(streamed),
    };
    for (const [path, message] of Object.entries(sealed)) {
      const subjects = parseEntity(message).headers.filter((f) => f.name.toLowerCase() === "subject");
      expect(
        subjects.map((f) => Buffer.from(f.raw).toString()),
        path,
      ).toEqual(["Subject: [...]\r\n"]);
      expect(Buffer.from(message).includes(Buffer.from("merger")), path).toBe(false);
      const opened = await decryptOuterLayer(message, { identities: [bob] });
      const inner = parseEntity(opened.message).headers.filter((f) => f.name.toLowerCase() === "subject");
      expect(
        inner.map((f) => f.value),
        path,
      ).toEqual(["the merger plans"]);
    }
  });
});
