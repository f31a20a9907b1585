import fc from "fast-check";
import { base64Lines } from "./mime-craft.js";

/**
 * Random MIME for the protect → open properties: a model tree (what the
 * user wrote: decoded text lines and attachment octets) and its serialisation with CRLF or
 * LF-only line endings. The serialiser is written here, independently of mime/, so the model
 * is the oracle: whatever protect and open do, the decoded leaves must come back equal.
 */
export interface TextLeaf {
  kind: "text";
  subtype: "plain" | "html";
  charset: "us-ascii" | "utf-8";
  cte: "7bit" | "8bit" | "quoted-printable" | "base64";
  lines: string[];
}

export interface BinaryLeaf {
  kind: "binary";
  mediaType: string;
  cte: "base64" | "binary";
  data: Uint8Array;
  filename: string;
}

export interface Multipart {
  kind: "multipart";
  subtype: "mixed" | "alternative" | "related";
  parts: MimeNode[];
  preamble: string | null;
  epilogue: string | null;
}

export type MimeNode = TextLeaf | BinaryLeaf | Multipart;

export interface MessageModel {
  /** Non-Content header fields, in order, without line endings. */
  headers: string[];
  /** No MIME-Version and no Content-* fields at all: a bare RFC 5322 text message. */
  bare: boolean;
  body: MimeNode;
  eol: "\r\n" | "\n";
}

const ascii = fc.string({
  unit: fc.constantFrom(
    ..."abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789.,;:!?'\"()=-_/+*&%$#@<>~\t".split(""),
  ),
  maxLength: 90,
});
const noMarker = (s: string) => !s.startsWith("-") && !s.includes("=_sb") && !/[\r\n\0]/.test(s);
const asciiLine = fc
  .oneof(
    { weight: 6, arbitrary: ascii },
    { weight: 1, arbitrary: fc.constant("From the desk of Alice") },
    { weight: 1, arbitrary: fc.constant(".") },
    { weight: 1, arbitrary: ascii.map((s) => `${s}  `) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: fc.constantFrom("x", "y", " "), minLength: 100, maxLength: 400 }),
    },
  )
  .filter(noMarker);
const unicodeLine = fc.oneof(
  asciiLine,
  fc.string({ unit: "grapheme", maxLength: 40 }).filter(noMarker),
  fc.constantFrom("Grüße aus Köln", "日本語のテキスト", "emoji 😀 at the end ", "Ελληνικά"),
);

const textLeaf: fc.Arbitrary<TextLeaf> = fc
  .record({
    subtype: fc.constantFrom("plain" as const, "html" as const),
    cte: fc.constantFrom("7bit" as const, "8bit" as const, "quoted-printable" as const, "base64" as const),
    unicode: fc.boolean(),
  })
  .chain(({ subtype, cte, unicode }) => {
    const eight = unicode && cte !== "7bit";
    return fc
      .array(eight ? unicodeLine : asciiLine, { minLength: 0, maxLength: 8 })
      .map(
        (lines): TextLeaf => ({ kind: "text", subtype, charset: eight ? "utf-8" : "us-ascii", cte, lines }),
      );
  });

const binaryLeaf: fc.Arbitrary<BinaryLeaf> = fc.record({
  kind: fc.constant("binary" as const),
  mediaType: fc.constantFrom("application/octet-stream", "image/png", "application/pdf"),
  cte: fc.constantFrom("base64" as const, "binary" as const),
  // a binary body may hold any octet, but one ending in CR would merge with an LF-only delimiter
  data: fc.uint8Array({ maxLength: 3000 }).filter((d) => d[d.length - 1] !== 0x0d),
  filename: fc.constantFrom("a.bin", "photo.png", "report.pdf"),
});

const prose = fc.option(ascii.filter(noMarker), { nil: null });

export const mimeNode: fc.Arbitrary<MimeNode> = fc.letrec<{ node: MimeNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    textLeaf,
    binaryLeaf,
    fc.record({
      kind: fc.constant("multipart" as const),
      subtype: fc.constantFrom("mixed" as const, "alternative" as const, "related" as const),
      parts: fc.array(tie("node"), { minLength: 1, maxLength: 4 }),
      preamble: prose,
      epilogue: prose,
    }),
  ),
})).node;

export const messageModel: fc.Arbitrary<MessageModel> = fc
  .record({
    body: mimeNode,
    eol: fc.constantFrom("\r\n" as const, "\n" as const),
    extra: fc.subarray([
      "Cc: Carol <carol@example.test>",
      "Bcc: secret-observer@example.test",
      "Reply-To: alice+replies@example.test",
      "X-Mailer: Sealbox property test",
      "Subject: =?UTF-8?B?R3LDvMOfZQ==?=",
      "Subject: Quarterly figures",
      "Message-ID: <prop@example.test>",
      "Date: Mon, 02 Feb 2026 10:00:00 +0100",
      "Sender: assistant@example.test",
    ]),
    from: fc.constantFrom(
      "alice@example.test",
      "Alice Example <alice@example.test>",
      '"Example, Alice" <Alice@Example.TEST>',
    ),
    bare: fc.boolean(),
  })
  .map(({ body, eol, extra, from, bare }) => {
    const plainText = body.kind === "text" && (body.cte === "7bit" || body.cte === "8bit");
    const isBare = bare && plainText && body.kind === "text";
    return {
      headers: [`From: ${from}`, "To: bob@example.test", ...extra],
      bare: isBare,
      body: isBare ? { ...body, subtype: "plain" as const } : body,
      eol,
    };
  });

/** Quoted-printable written by hand (RFC 2045 §6.7): =XX for the unsafe, soft breaks before 76. */
function qp(lines: string[], eol: string): string {
  return lines
    .map((line) => {
      const bytes = Buffer.from(line, "utf8");
      let out = "";
      let column = "";
      // "From " and a lone "." at the start of a line are escaped too (RFC 8551 §3.1.3 relays)
      const escapeFirst = line.startsWith("From ") || line === ".";
      bytes.forEach((b, i) => {
        const last = i === bytes.length - 1;
        const plain = b >= 33 && b <= 126 && b !== 0x3d && !(i === 0 && escapeFirst);
        const literal = plain ? String.fromCharCode(b) : null;
        const token =
          literal ??
          ((b === 0x20 || b === 0x09) && !last
            ? String.fromCharCode(b)
            : `=${b.toString(16).toUpperCase().padStart(2, "0")}`);
        if (column.length + token.length > 75) {
          out += `${column}=${eol}`;
          column = "";
        }
        column += token;
      });
      return out + column;
    })
    .map((l) => `${l}${eol}`)
    .join("");
}

/** The text a text leaf decodes to: its lines, canonical CRLF, UTF-8. */
export function textOctets(leaf: TextLeaf): Buffer {
  return Buffer.from(leaf.lines.map((l) => `${l}\r\n`).join(""), "utf8");
}

/** The model's leaves in document order: media type and the octets they decode to. */
export function leaves(node: MimeNode): Array<{ mediaType: string; octets: Buffer }> {
  if (node.kind === "multipart") return node.parts.flatMap(leaves);
  if (node.kind === "text") return [{ mediaType: `text/${node.subtype}`, octets: textOctets(node) }];
  return [{ mediaType: node.mediaType, octets: Buffer.from(node.data) }];
}

/** The entity: its Content-* fields, a blank line and the body (path names the boundaries). */
export function serializeNode(node: MimeNode, eol: string, path = "0"): Buffer {
  if (node.kind === "text") {
    const head = `Content-Type: text/${node.subtype}; charset=${node.charset}${eol}Content-Transfer-Encoding: ${node.cte}${eol}${eol}`;
    const body =
      node.cte === "quoted-printable"
        ? qp(node.lines, eol)
        : node.cte === "base64"
          ? base64Lines(textOctets(node), eol)
          : node.lines.map((l) => `${l}${eol}`).join("");
    return Buffer.from(
      `${head}${body}`,
      node.cte === "quoted-printable" || node.cte === "base64" ? "latin1" : "utf8",
    );
  }
  if (node.kind === "binary") {
    const head = Buffer.from(
      `Content-Type: ${node.mediaType}; name="${node.filename}"${eol}Content-Transfer-Encoding: ${node.cte}${eol}Content-Disposition: attachment; filename="${node.filename}"${eol}${eol}`,
      "latin1",
    );
    return Buffer.concat([
      head,
      node.cte === "binary" ? Buffer.from(node.data) : Buffer.from(base64Lines(node.data, eol), "latin1"),
    ]);
  }
  const boundary = `=_sb_${path}`;
  const pieces: Buffer[] = [
    Buffer.from(`Content-Type: multipart/${node.subtype}; boundary="${boundary}"${eol}${eol}`, "latin1"),
  ];
  if (node.preamble !== null) pieces.push(Buffer.from(`${node.preamble}${eol}`, "latin1"));
  node.parts.forEach((part, i) => {
    pieces.push(Buffer.from(`--${boundary}${eol}`, "latin1"), serializeNode(part, eol, `${path}_${i}`));
    pieces.push(Buffer.from(eol, "latin1"));
  });
  pieces.push(Buffer.from(`--${boundary}--${eol}`, "latin1"));
  if (node.epilogue !== null) pieces.push(Buffer.from(`${node.epilogue}${eol}`, "latin1"));
  return Buffer.concat(pieces);
}

/** The whole message as a client stores it. */
export function serializeMessage(model: MessageModel): Buffer {
  const head = Buffer.from(
    `${model.headers.join(model.eol)}${model.eol}${model.bare ? "" : `MIME-Version: 1.0${model.eol}`}`,
    "utf8",
  );
  if (model.bare && model.body.kind === "text") {
    return Buffer.concat([
      head,
      Buffer.from(`${model.eol}${model.body.lines.map((l) => `${l}${model.eol}`).join("")}`, "utf8"),
    ]);
  }
  return Buffer.concat([head, serializeNode(model.body, model.eol)]);
}

/** True when no leaf needs re-encoding for multipart/signed (7-bit, relay-safe as written). */
export function signableAsWritten(node: MimeNode): boolean {
  if (node.kind === "multipart") return node.parts.every(signableAsWritten);
  if (node.kind === "binary") return node.cte === "base64";
  if (node.cte === "base64") return true;
  if (node.cte === "8bit") return false; // relabelled 7bit or re-encoded quoted-printable
  const physical =
    node.cte === "quoted-printable" ? qp(node.lines, "\n").split("\n").slice(0, -1) : node.lines;
  return physical.every(
    (l) =>
      /^[\x20-\x7e\t]*$/.test(l) &&
      !/[ \t]$/.test(l) &&
      !l.startsWith("From ") &&
      l !== "." &&
      l.length <= 998,
  );
}

/** The canonical entity protect signs or encrypts, before any 7-bit re-encoding for signing. */
export function expectedEntity(model: MessageModel): Buffer {
  if (model.bare && model.body.kind === "text") {
    const body = Buffer.from(model.body.lines.map((l) => `${l}\r\n`).join(""), "utf8");
    const ascii = body.every((b) => b < 0x80);
    const head = ascii
      ? "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n"
      : "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n";
    return Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), body]);
  }
  return serializeNode(model.body, "\r\n");
}

/** What encryption-only wraps: the message's other fields minus Bcc, MIME-Version, the entity. */
export function expectedInner(model: MessageModel): Buffer {
  const fields = model.headers.filter((h) => !/^bcc:/i.test(h)).map((h) => `${h}\r\n`);
  return Buffer.concat([
    Buffer.from(`${fields.join("")}MIME-Version: 1.0\r\n`, "utf8"),
    expectedEntity(model),
  ]);
}
