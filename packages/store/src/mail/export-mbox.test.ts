import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asctime, mboxrdMessage, mboxrdQuote } from "./export-mbox.js";

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

async function* pieces(bytes: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (bytes.length + 1))].sort((a, b) => a - b)) {
    yield bytes.subarray(at, Math.max(at, cut));
    at = Math.max(at, cut);
  }
  yield bytes.subarray(at);
}

/** mboxrd as written whole: one more ">" on every line that is >*From . */
const reference = (bytes: Buffer) => {
  const quoted = Buffer.from(bytes.toString("latin1").replace(/^(>*From )/gm, ">$1"), "latin1");
  return quoted.length > 0 && quoted[quoted.length - 1] !== 0x0a
    ? Buffer.concat([quoted, Buffer.from("\n")])
    : quoted;
};
/** What an mboxrd reader does: one ">" less on every line that is >+From . */
const unquote = (bytes: Buffer) =>
  Buffer.from(bytes.toString("latin1").replace(/^>(>*From )/gm, "$1"), "latin1");

describe("mboxrd quoting as the message streams", () => {
  it("quotes From lines and ends on a line end", async () => {
    const message = Buffer.from(
      "Subject: x\r\n\r\nFrom here\r\n>From there\r\nnot From\r\n>>From deep\r\nFrom",
    );
    expect((await collect(mboxrdQuote(pieces(message, [])))).toString()).toBe(
      "Subject: x\r\n\r\n>From here\r\n>>From there\r\nnot From\r\n>>>From deep\r\nFrom\n",
    );
  });

  it("equals the whole-message quoting for any cut into chunks, and reads back to the message (property)", async () => {
    const token = fc.constantFrom(
      "From ",
      ">",
      ">From ",
      "\n",
      "\r\n",
      "x",
      "F",
      "Fro",
      "Frm ",
      "From",
      " ",
      ">>",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(token, { maxLength: 60 }),
        fc.array(fc.nat(400), { maxLength: 8 }),
        async (tokens, cuts) => {
          const message = Buffer.from(tokens.join(""), "latin1");
          const streamed = await collect(mboxrdQuote(pieces(message, cuts)));
          expect(streamed.toString("latin1")).toBe(reference(message).toString("latin1"));
          // Back again: the reader's unquoting gives the message (plus the line end added at its end).
          const back = unquote(streamed);
          expect(back.subarray(0, message.length).equals(message)).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("frames each message with its separator line and a blank line", async () => {
    const framed = await collect(
      mboxrdMessage(Date.UTC(2026, 0, 1, 9, 5, 3), pieces(Buffer.from("A: b\n\nbody"), [])),
    );
    expect(framed.toString()).toBe("From MAILER-DAEMON Thu Jan  1 09:05:03 2026\nA: b\n\nbody\n\n");
    expect(asctime(Date.UTC(2026, 11, 25))).toBe("Fri Dec 25 00:00:00 2026");
  });
});
