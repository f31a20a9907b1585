import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { skipWithoutVectors, vectorsDir } from "../test-support/external-vectors.js";
import { CLASSIFY_BODY_BYTES, classifyMessage } from "./classify-message.js";
import manifest from "./test/peer-corpora.json" with { type: "json" };
import { base64Lines, isMultipartSigned } from "./test-support/mime-craft.js";
import { expectAgreement, opensslCmsView } from "./test-support/openssl-cms-print.js";

/**
 * classifyMessage on every CMS message of the peer-made corpora (Thunderbird's NSS-made
 * messages, BouncyCastle's RFC 4134 examples): what openssl's `cms -cmsout -print` reads as the
 * ContentInfo type and contentEncryptionAlgorithm, from the whole message and from the header
 * block plus CLASSIFY_BODY_BYTES. Raw CMS files are wrapped as application/pkcs7-mime first.
 */
const SUITE = "peer-corpora";
const absent = skipWithoutVectors(SUITE);
const read = (file: string) => new Uint8Array(readFileSync(join(vectorsDir(), SUITE, file)));
const cases = manifest.cases as Array<{ id: string; kind: string; file: string }>;

function asMessage(der: Uint8Array): Buffer {
  return Buffer.from(
    `Content-Type: application/pkcs7-mime; name="smime.p7m"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(der)}`,
    "latin1",
  );
}

function prefix(message: Uint8Array): Uint8Array {
  const text = Buffer.from(message);
  const blank = text.indexOf("\r\n\r\n") >= 0 ? text.indexOf("\r\n\r\n") + 4 : text.indexOf("\n\n") + 2;
  return message.subarray(0, Math.max(blank, 0) + CLASSIFY_BODY_BYTES);
}

describe.skipIf(absent)("classification of the peer corpora agrees with openssl cms -cmsout -print", () => {
  it("every message and CMS file openssl can read", () => {
    let compared = 0;
    const unread: string[] = [];
    for (const c of cases) {
      if (c.kind !== "message" && c.kind !== "cms-signed" && c.kind !== "cms-enveloped") continue;
      const bytes = read(c.file);
      const message = c.kind === "message" ? bytes : asMessage(bytes);
      const view = c.kind === "message" ? opensslCmsView(bytes) : opensslCmsView(bytes, "DER");
      const classified = classifyMessage(message);
      // The prefix the streaming delivery passes says the same as the whole message.
      expect(classifyMessage(prefix(message), { complete: false }).kind, c.id).toBe(classified.kind);
      if (!view) {
        unread.push(c.id);
        continue;
      }
      try {
        expectAgreement(classified, view, isMultipartSigned(message));
      } catch (error) {
        throw new Error(`${c.id}: ${(error as Error).message}`);
      }
      compared++;
    }
    console.info(
      `classified ${compared} peer CMS messages as openssl reads them; openssl read none of: ${unread.join(", ")}`,
    );
    // Every CMS case of the manifest: openssl 3.0 reads all 78 (Thunderbird 68, MimeKit 1, RFC 4134 9).
    expect(compared).toBeGreaterThanOrEqual(78);
  });
});
