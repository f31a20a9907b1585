/**
 * A compact, forgiving RFC 5322 §3.4 address-list parser for From/Sender/To/Cc matching and
 * display: display names (atoms, quoted strings, RFC 2047 encoded words), comments, angle
 * addresses (obsolete routes dropped, §4.4), bare addresses and groups (`team: a@x, b@y;`).
 * Never throws. An entry with several angle addresses yields one result per address, so a
 * caller that needs exactly one From address sees the ambiguity instead of a silent pick.
 */
import { decodeEncodedWords } from "./encoded-words.js";

export interface ParsedAddress {
  /** Display name, RFC 2047-decoded; "" when there is none. */
  readonly name: string;
  /** addr-spec as written (no angle brackets); "" for a name without an address. */
  readonly address: string;
  /** The group display name, for members of a group. */
  readonly group?: string;
}

type TokenKind = "atom" | "quoted" | "comment" | "angle" | "special";

interface Token {
  readonly kind: TokenKind;
  /** Content: unescaped for quoted strings, inside the brackets for angles and comments. */
  readonly text: string;
  /** Source text (quotes included), for rebuilding bare addresses. */
  readonly raw: string;
}

const SPECIALS = new Set([",", ":", ";"]);
const STOP = new Set([" ", "\t", "\r", "\n", "(", ")", "<", ">", ",", ";", ":", '"']);

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s.charAt(i);
    if (ch === " " || ch === "\t" || ch === "\r" || ch === "\n" || ch === ">" || ch === ")") {
      i++;
    } else if (SPECIALS.has(ch)) {
      tokens.push({ kind: "special", text: ch, raw: ch });
      i++;
    } else if (ch === '"') {
      let text = "";
      let j = i + 1;
      for (; j < s.length && s.charAt(j) !== '"'; j++) {
        if (s.charAt(j) === "\\" && j + 1 < s.length) j++;
        text += s.charAt(j);
      }
      tokens.push({ kind: "quoted", text, raw: s.slice(i, j + 1) });
      i = j + 1;
    } else if (ch === "(") {
      let depth = 0;
      let j = i;
      for (; j < s.length; j++) {
        const c = s.charAt(j);
        if (c === "\\") j++;
        else if (c === "(") depth++;
        else if (c === ")" && --depth === 0) break;
      }
      tokens.push({ kind: "comment", text: s.slice(i + 1, j).trim(), raw: s.slice(i, j + 1) });
      i = j + 1;
    } else if (ch === "<") {
      let j = i + 1;
      let quoted = false;
      for (; j < s.length && (quoted || s.charAt(j) !== ">"); j++) {
        if (s.charAt(j) === "\\") j++;
        else if (s.charAt(j) === '"') quoted = !quoted;
      }
      tokens.push({ kind: "angle", text: s.slice(i + 1, j), raw: s.slice(i, j + 1) });
      i = j + 1;
    } else {
      let j = i;
      while (j < s.length && !STOP.has(s.charAt(j))) j += s.charAt(j) === "\\" ? 2 : 1;
      tokens.push({ kind: "atom", text: s.slice(i, j), raw: s.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

export function parseAddressList(value: string): ParsedAddress[] {
  const out: ParsedAddress[] = [];
  let group: string | undefined;
  let current: Token[] = [];
  for (const token of tokenize(value)) {
    if (token.kind !== "special") {
      current.push(token);
    } else if (token.text === ":" && group === undefined && !current.some((t) => t.kind === "angle")) {
      group = phrase(current); // display-name ":" starts a group (§3.4)
      current = [];
    } else if (token.text === ";" || token.text === ",") {
      addEntry(out, current, group);
      current = [];
      if (token.text === ";") group = undefined;
    }
  }
  addEntry(out, current, group);
  return out;
}

function addEntry(out: ParsedAddress[], tokens: readonly Token[], group: string | undefined): void {
  const words = tokens.filter((t) => t.kind === "atom" || t.kind === "quoted");
  const comments = tokens.filter((t) => t.kind === "comment").map((t) => decodeEncodedWords(t.text));
  const angles = tokens.filter((t) => t.kind === "angle");
  const push = (name: string, address: string): void => {
    if (name === "" && address === "") return;
    out.push(group === undefined ? { name, address } : { name, address, group });
  };
  if (angles.length > 0) {
    const name = phrase(words) || comments.join(" ");
    for (const angle of angles) push(name, cleanAngle(angle.text));
    return;
  }
  // A bare addr-spec, possibly written with spaces ("john @ example.com") or after stray words.
  const addressWords = words.filter((w) => w.kind === "atom" && /[^@]@[^@]/.test(w.text));
  if (addressWords.length === 1 && words.length > 1) {
    const address = addressWords[0] as Token;
    push(phrase(words.filter((w) => w !== address)), address.text);
    return;
  }
  if (words.some((w) => w.kind === "atom" && w.text.includes("@"))) {
    push(comments.join(" "), words.map((w) => w.raw).join(""));
    return;
  }
  push(phrase(words) || comments.join(" "), "");
}

function phrase(tokens: readonly Token[]): string {
  const words = tokens.filter((t) => t.kind === "atom" || t.kind === "quoted").map((t) => t.text);
  return decodeEncodedWords(words.join(" ")).trim();
}

/** Strips comments, whitespace and an obsolete source route ("@a,@b:") from an angle-addr. */
function cleanAngle(text: string): string {
  let addr = text.replace(/\([^()]*\)/g, "").trim();
  if (!addr.includes('"')) addr = addr.replace(/\s+/g, "");
  if (addr.startsWith("@") && addr.includes(":")) addr = addr.slice(addr.lastIndexOf(":") + 1);
  return addr;
}
