import { decodeEncodedWords } from "./encoded-words.js";

export interface ParsedAddress {
  /** Display name, decoded; "" when there is none. */
  name: string;
  /** The addr-spec as written (no angle brackets); "" for an unparseable entry. */
  address: string;
}

/**
 * Splits an address-list header value (RFC 5322 §3.4) into entries: commas inside quoted
 * strings, comments and angle brackets do not split; group syntax (`name: a, b;`) yields its
 * members. Tolerant by design: this feeds display and rule matching, never routing.
 */
export function parseAddressList(value: string): ParsedAddress[] {
  const chunks: string[] = [];
  let current = "";
  let quoted = false;
  let comment = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quoted) {
      current += c;
      if (c === "\\" && i + 1 < value.length) current += value[++i];
      else if (c === '"') quoted = false;
      continue;
    }
    if (comment > 0) {
      current += c;
      if (c === "\\" && i + 1 < value.length) current += value[++i];
      else if (c === "(") comment++;
      else if (c === ")") comment--;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === "(") comment = 1;
    else if (c === "<") angle = true;
    else if (c === ">") angle = false;
    else if (!angle && (c === "," || c === ";")) {
      chunks.push(current);
      current = "";
      continue;
    } else if (!angle && c === ":") {
      current = ""; // a group's display name
      continue;
    }
    current += c;
  }
  chunks.push(current);
  return chunks.map(parseOne).filter((a) => a.address !== "" || a.name !== "");
}

function unquote(text: string): string {
  const t = text.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/\\(.)/g, "$1") : t;
}

function parseOne(chunk: string): ParsedAddress {
  const text = chunk.trim();
  const lt = text.lastIndexOf("<");
  const gt = text.indexOf(">", lt);
  if (lt !== -1 && gt !== -1) {
    const name = decodeEncodedWords(unquote(text.slice(0, lt).replace(/\([^)]*\)/g, "")));
    return { name: name.replace(/\s+/g, " ").trim(), address: text.slice(lt + 1, gt).trim() };
  }
  const comments = [...text.matchAll(/\(([^)]*)\)/g)].map((m) => m[1] ?? "");
  const address = text.replace(/\([^)]*\)/g, "").trim();
  return { name: decodeEncodedWords(comments.join(" ").trim()), address: /\s/.test(address) ? "" : address };
}

/** "Name <address>", or the address alone, for display. */
export function formatAddress(a: ParsedAddress): string {
  if (!a.name) return a.address;
  return a.address ? `${a.name} <${a.address}>` : a.name;
}
