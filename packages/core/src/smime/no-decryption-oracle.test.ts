import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreError } from "../errors.js";
import { decryptOuterLayer } from "./decrypt-layer.js";
import { openMessage } from "./open.js";
import { openMessageStream } from "./open-stream.js";
import {
  type OracleCase,
  type OracleControl,
  oracleCases,
  oracleContent,
} from "./test-support/oracle-cases.js";
import { type Party, SmimePki } from "./test-support/pki.js";

/**
 * No decryption oracle (SMIME-NOTES §3.1, §4): once a RecipientInfo names the offered key, every
 * way decryption can fail — a wrong private key (RSA v1.5 with implicit rejection, RSA-OAEP,
 * ECDH + AES key unwrap), bad PKCS#1 v1.5 padding, a bad CBC pad, a bad GCM tag, ciphertext of
 * an impossible length — reaches the caller as the same error: same class, code, message, no
 * cause, no other property, thrown from the same place. Messages are made by `openssl cms
 * -encrypt`, then bytes are changed or the wrong key offered. `not-a-recipient` stays apart:
 * which keys a message is for is public, in its RecipientInfos.
 */
let pki: SmimePki;
let parties: { bob: Party; mallory: Party; carol: Party; eve: Party };
let controls: OracleControl[];
let cases: OracleCase[];
const content = oracleContent();

beforeAll(() => {
  pki = new SmimePki("oracle");
  parties = {
    bob: pki.party("Bob Example"),
    mallory: pki.party("Mallory Example"),
    carol: pki.party("Carol Example", { key: "p256" }),
    eve: pki.party("Eve Example", { key: "p256" }),
  };
  ({ controls, cases } = oracleCases(pki, parties, content));
}, 120_000);

afterAll(() => pki?.cleanup());

const CALLERS = {
  openMessage: (c: { message: Buffer; identities: OracleCase["identities"] }) =>
    openMessage(c.message, { identities: c.identities }),
  decryptOuterLayer: (c: { message: Buffer; identities: OracleCase["identities"] }) =>
    decryptOuterLayer(c.message, { identities: c.identities }),
  // bufferBelow 0: the streaming decryptor, even for a 4 KB message
  openMessageStream: (c: { message: Buffer; identities: OracleCase["identities"] }) =>
    openMessageStream(
      (async function* () {
        for (let i = 0; i < c.message.length; i += 1000) yield c.message.subarray(i, i + 1000);
      })(),
      { identities: c.identities, bufferBelow: 0, out: () => {} },
    ),
} as const;

/** Everything a caller can see of an error; the stack reduced to core's frames (file and line). */
function visible(error: unknown) {
  const e = error as Error & { code?: unknown; cause?: unknown };
  const throwSite = (e.stack ?? "")
    .split("\n")
    .slice(1)
    .filter((line) => line.includes("/src/") && !line.includes(".test.ts"))
    .map((line) => line.replace(/^\s*at\s+/, "").replace(/:\d+\)?$/, ""))
    .join(" < ");
  return {
    class: e?.constructor?.name,
    isCoreError: e instanceof CoreError,
    name: e.name,
    code: e.code,
    message: e.message,
    cause: e.cause,
    properties: Object.keys(e).sort(),
    throwSite,
  };
}

describe("no decryption oracle", () => {
  it("sanity: every untouched message opens with the right key through every caller", async () => {
    for (const control of controls)
      for (const [caller, open] of Object.entries(CALLERS)) {
        const result = await open(control);
        if ("content" in result)
          expect(Buffer.from(result.content).equals(content), `${control.family} ${caller}`).toBe(true);
        else expect(result.layers[0]?.type, `${control.family} ${caller}`).toBe("encrypted");
      }
  });

  it("every failure after a RecipientInfo matched is the same error, through every caller", async () => {
    const seen = new Map<string, string[]>();
    const reference = {
      class: "CoreError",
      isCoreError: true,
      name: "CoreError",
      code: "decryption-failed",
      message: "the message could not be decrypted",
      cause: undefined,
    };
    for (const c of cases)
      for (const [caller, open] of Object.entries(CALLERS)) {
        const error = await open(c).then(
          () => new Error("opened"),
          (e: unknown) => e,
        );
        const v = visible(error);
        expect({ ...v, properties: undefined, throwSite: undefined }, `${c.name} via ${caller}`).toEqual({
          ...reference,
          properties: undefined,
          throwSite: undefined,
        });
        const key = `${caller} ${JSON.stringify({ properties: v.properties, throwSite: v.throwSite })}`;
        seen.set(key, [...(seen.get(key) ?? []), c.name]);
      }
    // One shape and one stack per caller, whatever failed inside: the stack names no primitive.
    const perCaller = [...seen.keys()].map((k) => k.split(" ")[0]);
    expect(perCaller, JSON.stringify([...seen], null, 1)).toEqual([...new Set(perCaller)]);
  });

  it("contrast: a message for other keys is not-a-recipient, and says who it is for (public in the message)", async () => {
    const { bob, mallory } = parties;
    const control = controls[0] as OracleControl;
    for (const [caller, open] of Object.entries(CALLERS)) {
      const error = await open({ message: control.message, identities: [mallory.identity] }).then(
        () => new Error("opened"),
        (e: unknown) => e,
      );
      expect(visible(error).code, caller).toBe("not-a-recipient");
      expect((error as Error).message, caller).toContain(bob.certificate.issuer.replace(/.*CN=/, ""));
    }
  });
});
