import { TextDecoder } from "node:util";

/**
 * Decodes RFC 2047 encoded-words (`=?charset?B|Q?…?=`) in a header value for display and
 * rule matching. Whitespace between adjacent encoded-words is dropped (§6.2); an unknown
 * charset or a malformed word is left as written rather than guessed at.
 */
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
const BETWEEN_WORDS = /(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)[ \t\r\n]+(?==\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)/g;

function decodeQ(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "_") bytes.push(0x20);
    else if (c === "=" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

export function decodeEncodedWords(value: string): string {
  if (!value.includes("=?")) return value;
  return value
    .replace(BETWEEN_WORDS, "$1")
    .replace(ENCODED_WORD, (word, charset: string, enc: string, text: string) => {
      const label = charset.split("*")[0] as string; // RFC 2231 §5: charset*language
      let decoder: TextDecoder;
      try {
        decoder = new TextDecoder(label);
      } catch {
        return word;
      }
      const bytes = enc.toUpperCase() === "B" ? Buffer.from(text, "base64") : decodeQ(text);
      return decoder.decode(bytes);
    });
}
