/**
 * RFC 2047 encoded-word decoding for display (Subject, display names): `=?charset?B?…?=` and
 * `=?charset?Q?…?=`, with RFC 2231 §5 language suffixes (`utf-8*en`). Whitespace between
 * adjacent encoded words is dropped (§6.2), and adjacent words in the same charset are decoded
 * together so a multi-byte character split across two words survives. Malformed words are
 * left as written; an unknown charset is read as UTF-8 (latin1 if invalid). Never throws.
 */
import { decodeCharset } from "./bytes.js";

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

interface Word {
  readonly start: number;
  readonly end: number;
  readonly charset: string;
  readonly bytes: Uint8Array;
}

export function decodeEncodedWords(text: string): string {
  if (!text.includes("=?")) return text;
  const words: Word[] = [];
  for (const m of text.matchAll(ENCODED_WORD)) {
    const charset = (m[1] as string).split("*")[0]?.toLowerCase() ?? "";
    const payload = m[3] as string;
    const bytes = (m[2] as string).toUpperCase() === "B" ? decodeB(payload) : decodeQ(payload);
    if (bytes === undefined) continue;
    words.push({ start: m.index, end: m.index + m[0].length, charset, bytes });
  }
  let out = "";
  let pos = 0;
  let run: Uint8Array[] = [];
  let runCharset = "";
  const flush = (): void => {
    if (run.length > 0) out += decodeCharset(Buffer.concat(run), runCharset);
    run = [];
  };
  for (const word of words) {
    const gap = text.slice(pos, word.start);
    const adjacent = run.length > 0 && /^[ \t\r\n]*$/.test(gap);
    if (!adjacent) {
      flush();
      out += gap;
    } else if (word.charset !== runCharset) {
      flush(); // a new charset starts a new run; the whitespace between is still dropped
    }
    if (run.length === 0) runCharset = word.charset;
    run.push(word.bytes);
    pos = word.end;
  }
  flush();
  return out + text.slice(pos);
}

function decodeB(payload: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(payload) || payload.replace(/=+$/, "").length % 4 === 1)
    return undefined;
  return Buffer.from(payload, "base64");
}

/** RFC 2047 §4.2: "_" is a space, "=XX" a byte; anything else is itself. */
function decodeQ(payload: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < payload.length; i++) {
    const ch = payload.charAt(i);
    const hex = ch === "=" ? payload.slice(i + 1, i + 3) : "";
    if (ch === "_") out.push(0x20);
    else if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else out.push(...Buffer.from(ch, "utf8"));
  }
  return Uint8Array.from(out);
}
