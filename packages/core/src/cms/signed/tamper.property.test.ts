import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { berContext, octetStringPieces } from "../../asn1/ber-reader.js";
import { CoreError } from "../../errors.js";
import { parseSignedData, type RawSignerInfo } from "./parse-signed-data.js";
import { signData } from "./sign-data.js";
import { type Ca, OpensslPki } from "./test-support/openssl-pki.js";
import { opensslSign, tempDir } from "./test-support/peers.js";
import { verifySignedData } from "./verify-signed-data.js";

/**
 * A flipped byte inside the signed content, the signed attributes or the
 * signature value never yields "valid" — it is a CoreError (malformed) or a non-valid verdict.
 */
const CONTENT = Buffer.from(
  "Content-Type: text/plain\r\n\r\nEvery byte here is covered by the signature.\r\n".repeat(3),
);

interface Sample {
  name: string;
  der: Uint8Array;
  detached: boolean;
  regions: Record<"content" | "signedAttrs" | "signature", [number, number][]>;
}

let pki: OpensslPki;
let root: Ca;
const samples: Sample[] = [];

function regionsOf(der: Uint8Array, detached: boolean): Sample["regions"] {
  const ctx = berContext();
  const sd = parseSignedData(der, ctx, 8, 8);
  const info = sd.signerInfos[0] as RawSignerInfo;
  const sigStart = info.signature.byteOffset - der.byteOffset;
  const content: [number, number][] = detached
    ? [[0, CONTENT.length]]
    : [...octetStringPieces(der, sd.eContent as never, ctx)].map((p) => {
        const start = p.byteOffset - der.byteOffset;
        return [start, start + p.length] as [number, number];
      });
  return {
    content,
    signedAttrs: info.signedAttrs ? [[info.signedAttrs.start, info.signedAttrs.end]] : [],
    signature: [[sigStart, sigStart + info.signature.length]],
  };
}

beforeAll(async () => {
  pki = new OpensslPki();
  root = pki.root("Tamper Root");
  const rsa = pki.leaf(root, { cn: "Tamper Rsa", emails: ["rsa@example.test"] });
  const ec = pki.leaf(root, { cn: "Tamper Ec", emails: ["ec@example.test"], key: pki.key("p256") });
  const add = (name: string, der: Uint8Array, detached: boolean) =>
    samples.push({ name, der, detached, regions: regionsOf(der, detached) });
  for (const detached of [true, false]) {
    add(
      `ours RSA ${detached}`,
      await signData(CONTENT, { signers: [{ identity: pki.identity(rsa) }], detached }),
      detached,
    );
    add(
      `ours ECDSA ${detached}`,
      await signData(CONTENT, { signers: [{ identity: pki.identity(ec) }], detached }),
      detached,
    );
    add(
      `ours PSS no attributes ${detached}`,
      await signData(CONTENT, {
        signers: [{ identity: pki.identity(rsa), scheme: "pss" }],
        detached,
        signedAttributes: false,
      }),
      detached,
    );
  }
  const dir = tempDir("tamper", pki.dir);
  add("openssl -stream BER", opensslSign(dir, CONTENT, [{ issued: rsa }], ["-nodetach", "-stream"]), false);
  add("openssl detached", opensslSign(dir, CONTENT, [{ issued: ec }], []), true);
});
afterAll(() => pki.cleanup());

describe("flipped bytes never verify as valid", () => {
  it("the untouched samples are valid (so a failure below is the flip's doing)", async () => {
    for (const s of samples) {
      const r = await verifySignedData(s.der, {
        trust: [root.cert],
        ...(s.detached ? { content: CONTENT } : {}),
      });
      expect(
        r.signers.map((v) => v.status),
        s.name,
      ).toEqual(["valid"]);
    }
  });

  for (const region of ["content", "signedAttrs", "signature"] as const) {
    it(`inside the ${region}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: samples.length - 1 }),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          async (which, at, mask) => {
            const s = samples[which] as Sample;
            const ranges = s.regions[region];
            const total = ranges.reduce((n, [a, b]) => n + (b - a), 0);
            if (total === 0) return; // e.g. no signed attributes in this sample
            let offset = at % total;
            let position = -1;
            for (const [a, b] of ranges) {
              if (offset < b - a) {
                position = a + offset;
                break;
              }
              offset -= b - a;
            }
            const detachedContent = Buffer.from(CONTENT);
            const der = Buffer.from(s.der);
            if (region === "content" && s.detached)
              detachedContent[position] = (detachedContent[position] as number) ^ mask;
            else der[position] = (der[position] as number) ^ mask;
            try {
              const r = await verifySignedData(der, {
                trust: [root.cert],
                ...(s.detached ? { content: detachedContent } : {}),
              });
              for (const v of r.signers) expect(v.status, `${s.name} @${position}^${mask}`).not.toBe("valid");
            } catch (error) {
              expect(error, `${s.name} @${position}^${mask}`).toBeInstanceOf(CoreError);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});
