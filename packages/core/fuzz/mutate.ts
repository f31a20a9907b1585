import fc from "fast-check";

/**
 * Mutators for the fuzz targets, written independently of core's codec so a bug there cannot
 * hide itself: a lenient BER tree (mutated node by node and re-encoded with consistent lengths,
 * descending into OCTET STRING and BIT STRING values that hold DER), raw byte mutations, and
 * MIME-aware ones (header fields, boundaries, line ends, nesting, and the BER mutators applied
 * to the CMS inside a base64 body). Every operation takes its choices from fast-check.
 */

export interface BerNode {
  /** Identifier octets as received. */
  id: number[];
  indefinite: boolean;
  children?: BerNode[];
  content?: Uint8Array;
  /** A primitive OCTET STRING / BIT STRING whose value is itself one BER element. */
  inner?: BerNode;
  /** Raw length octets replacing the computed ones (a deliberately wrong length). */
  lengthOverride?: number[];
  /** The whole element already encoded (deep nestings are built flat, not as a tree). */
  raw?: Buffer;
}

const MAX_TREE_DEPTH = 40;

function readNode(buf: Uint8Array, offset: number, limit: number, depth: number): BerNode | undefined {
  if (offset >= limit || depth > MAX_TREE_DEPTH) return undefined;
  const first = buf[offset] as number;
  const id = [first];
  let pos = offset + 1;
  if ((first & 0x1f) === 0x1f) {
    for (let i = 0; ; i++) {
      if (pos >= limit || i > 4) return undefined;
      const b = buf[pos++] as number;
      id.push(b);
      if ((b & 0x80) === 0) break;
    }
  }
  if (pos >= limit) return undefined;
  const constructed = (first & 0x20) !== 0;
  const lb = buf[pos++] as number;
  if (lb === 0x80) {
    if (!constructed) return undefined;
    const children: BerNode[] = [];
    for (;;) {
      if (pos + 2 > limit) return undefined;
      if (buf[pos] === 0 && buf[pos + 1] === 0) {
        pos += 2;
        break;
      }
      const child = readNode(buf, pos, limit, depth + 1);
      if (!child) return undefined;
      children.push(child);
      pos = (child as BerNode & { end: number }).end;
    }
    return Object.assign({ id, indefinite: true, children }, { end: pos });
  }
  let length = lb;
  if (lb > 0x80) {
    const n = lb & 0x7f;
    if (n > 4 || pos + n > limit) return undefined;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (buf[pos++] as number);
  }
  const end = pos + length;
  if (end > limit) return undefined;
  if (constructed) {
    const children: BerNode[] = [];
    let p = pos;
    while (p < end) {
      const child = readNode(buf, p, end, depth + 1);
      if (!child) return undefined;
      children.push(child);
      p = (child as BerNode & { end: number }).end;
    }
    return Object.assign({ id, indefinite: false, children }, { end });
  }
  const content = buf.subarray(pos, end);
  const node: BerNode = { id, indefinite: false, content };
  // Encapsulated DER (extension values, PFX authSafe, eContent, subjectPublicKey).
  if (first === 0x04 && content.length > 1 && (content[0] === 0x30 || content[0] === 0x31)) {
    const inner = readNode(content, 0, content.length, depth + 1);
    if (inner && (inner as BerNode & { end: number }).end === content.length) node.inner = inner;
  } else if (first === 0x03 && content.length > 2 && content[0] === 0 && content[1] === 0x30) {
    const inner = readNode(content, 1, content.length, depth + 1);
    if (inner && (inner as BerNode & { end: number }).end === content.length) node.inner = inner;
  }
  return Object.assign(node, { end });
}

/** The BER tree of `bytes`, or undefined when they are not one well-formed element. */
export function parseTree(bytes: Uint8Array): BerNode | undefined {
  const node = readNode(bytes, 0, bytes.length, 0);
  return node && (node as BerNode & { end: number }).end === bytes.length ? node : undefined;
}

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return [0x80 | out.length, ...out];
}

/** Serialises a tree: definite minimal lengths unless a node says indefinite or overrides them. */
export function encodeTree(node: BerNode): Buffer {
  if (node.raw) return node.raw;
  let body: Buffer;
  if (node.children) body = Buffer.concat(node.children.map(encodeTree));
  else if (node.inner)
    body = Buffer.concat([node.id[0] === 0x03 ? Buffer.from([0]) : Buffer.alloc(0), encodeTree(node.inner)]);
  else body = Buffer.from(node.content ?? []);
  if (node.indefinite)
    return Buffer.concat([Buffer.from(node.id), Buffer.from([0x80]), body, Buffer.from([0, 0])]);
  const length = node.lengthOverride ?? lengthOctets(body.length);
  return Buffer.concat([Buffer.from(node.id), Buffer.from(length), body]);
}

interface Slot {
  node: BerNode;
  parent: BerNode | undefined;
  index: number;
}

function slots(root: BerNode): Slot[] {
  const out: Slot[] = [];
  const walk = (node: BerNode, parent: BerNode | undefined, index: number) => {
    out.push({ node, parent, index });
    for (const [i, c] of (node.children ?? []).entries()) walk(c, node, i);
    if (node.inner) walk(node.inner, undefined, -1);
  };
  walk(root, undefined, 0);
  return out;
}

function clone(node: BerNode): BerNode {
  const copy: BerNode = { id: [...node.id], indefinite: node.indefinite };
  if (node.children) copy.children = node.children.map(clone);
  if (node.content) copy.content = node.content;
  if (node.inner) copy.inner = clone(node.inner);
  if (node.lengthOverride) copy.lengthOverride = [...node.lengthOverride];
  if (node.raw) copy.raw = node.raw;
  return copy;
}

/** OIDs worth swapping in: algorithms core knows, ones it refuses, and content types. */
const OIDS = [
  "2a864886f70d010101", // rsaEncryption
  "2a864886f70d01010a", // RSASSA-PSS
  "2a864886f70d010107", // RSAES-OAEP
  "2a864886f70d010105", // sha1WithRSAEncryption
  "2a864886f70d010104", // md5WithRSAEncryption
  "2a864886f70d01010b", // sha256WithRSAEncryption
  "2a8648ce3d0201", // ecPublicKey
  "2a8648ce3d040302", // ecdsa-with-SHA256
  "2a8648ce380403", // dsa-with-sha1
  "2b6570", // Ed25519
  "608648016503040201", // sha256
  "2b0e03021a", // sha1
  "2a864886f70d0205", // md5
  "60864801650304012e", // aes256-GCM
  "60864801650304012a", // aes256-CBC
  "2a864886f70d0307", // des-ede3-cbc
  "2a864886f70d0302", // rc2-cbc
  "2a864886f70d01050d", // PBES2
  "2a864886f70d01050c", // PBKDF2
  "2a864886f70d020b", // hmacWithSHA256
  "2a864886f70d010c0103", // pbeWithSHAAnd3-KeyTripleDES-CBC
  "2a864886f70d010c0106", // pbeWithSHAAnd40BitRC2-CBC
  "2a864886f70d010701", // data
  "2a864886f70d010702", // signedData
  "2a864886f70d010703", // envelopedData
  "2a864886f70d010706", // encryptedData
  "2a864886f70d0109100117", // authEnvelopedData
  "2a864886f70d0109100109", // compressedData
  "2a864886f70d010903", // contentType
  "2a864886f70d010904", // messageDigest
  "551d13", // basicConstraints
  "551d0f", // keyUsage
  "551d11", // subjectAltName
  "551d1e", // nameConstraints
  "551d25", // extKeyUsage
  "551d23", // authorityKeyIdentifier
  "2b81040022", // secp384r1
  "2a8648ce3d030107", // prime256v1
  "2b8104000a", // secp256k1 (unsupported curve)
].map((h) => Buffer.from(h, "hex"));

/** Values that break length, sign and size assumptions in INTEGER / BIT STRING / string contents. */
const INTERESTING_CONTENT: Uint8Array[] = [
  Buffer.alloc(0),
  Buffer.from([0x00]),
  Buffer.from([0xff]),
  Buffer.from([0x80]),
  Buffer.from([0x00, 0x00, 0x01]),
  Buffer.from([0x07, 0xff]),
  Buffer.concat([Buffer.from([0x01]), Buffer.alloc(600, 0xff)]), // a 4800-bit public exponent
  Buffer.alloc(64, 0xff),
  Buffer.from("9912312359Z"),
  Buffer.from("491231235959Z"),
  Buffer.from("20500101000000.123456789Z"),
  Buffer.from("20240230000000Z"),
  Buffer.from([0xd8, 0x00]),
  Buffer.from([0xc0, 0x80]),
];

const NEST_TAGS = [[0x30], [0x31], [0x24], [0xa0], [0x2c]];

export interface Op {
  op: number;
  a: number;
  b: number;
  c: number;
  bytes: Uint8Array;
}

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;

/** One structural mutation of a parsed tree; returns false when it had nothing to act on. */
function mutateTree(root: BerNode, op: Op, donors: BerNode[]): boolean {
  const all = slots(root);
  const slot = pick(all, op.a);
  const node = slot.node;
  switch (op.op % 12) {
    case 0: // tag
      node.id = op.b % 3 === 0 ? [(node.id[0] ?? 0) ^ 0x20] : [op.c & 0xff];
      return true;
    case 1: // wrong length octets
      node.lengthOverride = pick(
        [
          [0x84, 0xff, 0xff, 0xff, 0xff],
          [0x80],
          [0x81, 0x00],
          [0x00],
          [0x7f],
          [0x86, 1, 0, 0, 0, 0, 0],
          [0xff],
        ],
        op.b,
      );
      if (op.c % 2 === 0) {
        const len = encodeTree({ ...node, lengthOverride: undefined }).length;
        node.lengthOverride = [0x84, ...Buffer.from(Uint32Array.of(len + (op.c % 5) - 2).buffer).reverse()];
      }
      return true;
    case 2: // primitive content
      if (node.children) return false;
      node.inner = undefined;
      node.content =
        op.b % 3 === 0
          ? pick(INTERESTING_CONTENT, op.c)
          : op.b % 3 === 1
            ? op.bytes
            : (node.content ?? new Uint8Array()).subarray(0, op.c % ((node.content?.length ?? 0) + 1));
      return true;
    case 3: // delete
      if (!slot.parent?.children) return false;
      slot.parent.children.splice(slot.index, 1);
      return true;
    case 4: {
      // duplicate
      if (!slot.parent?.children) return false;
      const copies = 1 + (op.b % 3 === 0 ? op.c % 2000 : op.c % 3);
      slot.parent.children.splice(slot.index, 0, ...Array.from({ length: copies }, () => clone(node)));
      return true;
    }
    case 5: {
      // swap with a sibling
      const siblings = slot.parent?.children;
      if (!siblings || siblings.length < 2) return false;
      const j = op.b % siblings.length;
      [siblings[slot.index], siblings[j]] = [siblings[j] as BerNode, siblings[slot.index] as BerNode];
      return true;
    }
    case 6: {
      // nest in layers of one constructed tag (depth bombs)
      const layers = op.b % 4 === 0 ? 1 + (op.c % 50_000) : 1 + (op.c % 80);
      const raw = nestBytes(encodeTree(node), pick(NEST_TAGS, op.b), layers, op.c % 7 === 0);
      for (const key of Object.keys(node)) delete (node as unknown as Record<string, unknown>)[key];
      Object.assign(node, { id: [], indefinite: false, raw });
      return true;
    }
    case 7: // toggle indefinite length
      if (!node.children) return false;
      node.indefinite = !node.indefinite;
      return true;
    case 8: {
      // primitive OCTET STRING → constructed pieces
      if (node.children || node.id[0] !== 0x04) return false;
      const value = node.inner ? encodeTree(node.inner) : Buffer.from(node.content ?? []);
      const size = 1 + (op.b % 64);
      const pieces: BerNode[] = [];
      for (let i = 0; i < value.length; i += size)
        pieces.push({ id: [0x04], indefinite: false, content: value.subarray(i, i + size) });
      Object.assign(node, { id: [0x24], indefinite: op.c % 2 === 0, children: pieces, inner: undefined });
      node.content = undefined;
      return true;
    }
    case 9: // swap in another OID
      if (node.id[0] !== 0x06) return false;
      node.content = pick(OIDS, op.b);
      return true;
    case 10: {
      // replace with a node from another seed
      if (!slot.parent?.children || donors.length === 0) return false;
      const donorSlots = slots(pick(donors, op.b));
      slot.parent.children[slot.index] = clone(pick(donorSlots, op.c).node);
      return true;
    }
    default: {
      // insert an element of random bytes (or an empty constructed one)
      if (!node.children) return false;
      const extra: BerNode =
        op.b % 2 === 0
          ? { id: [op.c & 0xff], indefinite: false, content: op.bytes }
          : { id: [0x30 | (op.c & 0xc0)], indefinite: false, children: [] };
      node.children.splice(op.c % (node.children.length + 1), 0, extra);
      return true;
    }
  }
}

/**
 * `inner` wrapped in `layers` constructed elements, written in one pass (lengths computed
 * inside out), so fifty thousand layers cost one buffer rather than fifty thousand copies.
 */
export function nestBytes(inner: Uint8Array, tag: number[], layers: number, indefinite: boolean): Buffer {
  const headers: number[][] = [];
  let length = inner.length;
  for (let i = 0; i < layers; i++) {
    const header = [...tag, ...(indefinite ? [0x80] : lengthOctets(length))];
    headers.push(header);
    length += header.length + (indefinite ? 2 : 0);
  }
  const out = Buffer.alloc(length);
  let pos = 0;
  for (let i = headers.length - 1; i >= 0; i--) for (const b of headers[i] as number[]) out[pos++] = b;
  out.set(inner, pos);
  pos += inner.length;
  if (indefinite) out.fill(0, pos);
  return out;
}

/** Raw byte mutations, for inputs that are not (or no longer) BER. */
export function mutateBytes(input: Uint8Array, op: Op): Buffer {
  const buf = Buffer.from(input);
  const n = buf.length;
  const at = n === 0 ? 0 : op.a % n;
  switch (op.op % 7) {
    case 0:
      if (n) buf[at] = (buf[at] as number) ^ (1 << (op.b % 8));
      return buf;
    case 1:
      if (n)
        buf[at] = pick([0x00, 0xff, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x30, 0xa0, 0x24, 0x0a, 0x0d, 0x2d], op.b);
      return buf;
    case 2:
      return Buffer.concat([buf.subarray(0, at), Buffer.from(op.bytes), buf.subarray(at)]);
    case 3:
      return Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(n, at + 1 + (op.b % 64)))]);
    case 4: {
      const len = 1 + (op.b % 256);
      const copies = 1 + (op.c % 8);
      const chunk = buf.subarray(at, at + len);
      return Buffer.concat([buf.subarray(0, at), ...Array(copies).fill(chunk), buf.subarray(at)]);
    }
    case 5:
      return buf.subarray(0, at);
    default:
      return Buffer.concat([buf.subarray(0, at), Buffer.from(op.bytes), buf.subarray(at + op.bytes.length)]);
  }
}

/** A BER-aware mutation when the input parses, else a byte mutation. */
export function mutateBer(input: Uint8Array, op: Op, donors: BerNode[] = []): Buffer {
  if (op.op % 4 !== 0) {
    const tree = parseTree(input);
    if (tree && mutateTree(tree, { ...op, op: Math.floor(op.op / 4) }, donors)) return encodeTree(tree);
  }
  return mutateBytes(input, { ...op, op: Math.floor(op.op / 4) });
}

const HEADER_VALUES = [
  'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="b1"',
  "Content-Type: application/pkcs7-mime; smime-type=enveloped-data",
  "Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data",
  "Content-Type: application/pkcs7-mime; smime-type=signed-data",
  "Content-Type: application/pkcs7-mime; smime-type=certs-only",
  "Content-Type: application/x-pkcs7-mime",
  "Content-Type: application/octet-stream; name=smime.p7m",
  "Content-Type: message/rfc822",
  'Content-Type: multipart/mixed; boundary=""',
  "Content-Type: multipart/mixed; boundary*0=b; boundary*1=1",
  "Content-Type: multipart/signed; boundary=b1",
  'Content-Type: text/plain; charset="=?utf-8?B?w7w=?="',
  "Content-Type: ;;;===",
  "Content-Transfer-Encoding: base64",
  "Content-Transfer-Encoding: quoted-printable",
  "Content-Transfer-Encoding: binary",
  "Content-Transfer-Encoding: x-uuencode",
  "From: =?utf-8?Q?=E2=80=AE?= <a@b>",
  'From: "ceo@corp.example"',
  "From: <>",
  "Sender: a@b.",
  "From: a@[127.0.0.1], (comment (nested \\) ) ) b@c",
];

function headerSplit(text: string): { head: string; body: string; eol: string } {
  const m = /\r?\n\r?\n/.exec(text);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  if (!m) return { head: text, body: "", eol };
  return { head: text.slice(0, m.index), body: text.slice(m.index + m[0].length), eol };
}

const BASE64_BLOCK = /(?:[A-Za-z0-9+/=]{16,}\r?\n)+/g;

/** One MIME-aware mutation of a whole message. */
export function mutateMime(input: Uint8Array, op: Op, donors: BerNode[] = []): Buffer {
  const text = Buffer.from(input).toString("latin1");
  const { head, body, eol } = headerSplit(text);
  const lines = head.split(/\r?\n/);
  const out = (s: string) => Buffer.from(s, "latin1");
  switch (op.op % 10) {
    case 0: {
      // one header field replaced, duplicated or removed
      const i = op.a % lines.length;
      const mode = op.b % 4;
      if (mode === 0) lines[i] = pick(HEADER_VALUES, op.c);
      else if (mode === 1)
        lines.splice(i, 0, ...Array(1 + (op.c % 7 === 0 ? op.c % 1500 : op.c % 5)).fill(lines[i]));
      else if (mode === 2) lines.splice(i, 1);
      else lines.splice(i, 0, `X-Long: ${"a".repeat(op.c % 7 === 0 ? 270_000 : op.c % 2000)}`);
      return out(`${lines.join(eol)}${eol}${eol}${body}`);
    }
    case 1: {
      // the CMS inside a base64 body, mutated as BER and re-encoded
      const blocks = [...text.matchAll(BASE64_BLOCK)];
      if (blocks.length === 0) return mutateBytes(input, op);
      const block = pick(blocks, op.a);
      const der = Buffer.from(block[0].replace(/\s+/g, ""), "base64");
      const mutated = mutateBer(der, { ...op, op: Math.floor(op.op / 10) }, donors);
      const b64 = mutated.toString("base64").replace(/.{1,76}/g, `$&${eol}`);
      const start = block.index ?? 0;
      return out(text.slice(0, start) + b64 + text.slice(start + block[0].length));
    }
    case 2: // line ends
      return out(
        pick(
          [
            text.replace(/\r\n/g, "\n"),
            text.replace(/\r?\n/g, "\r\n"),
            text.replace(/\r?\n/g, "\r"),
            `${text}\r`,
          ],
          op.b,
        ),
      );
    case 3: {
      // boundary lines: remove, duplicate or break the closing delimiter
      const delimiters = [...text.matchAll(/^--[^\r\n]+$/gm)];
      if (delimiters.length === 0) return mutateBytes(input, op);
      const d = pick(delimiters, op.a);
      const s = d.index ?? 0;
      const e = s + d[0].length;
      const mode = op.b % 3;
      if (mode === 0) return out(text.slice(0, s) + text.slice(e));
      if (mode === 1)
        return out(
          text.slice(0, e) +
            `${eol}${d[0]}`.repeat(1 + (op.c % 7 === 0 ? op.c % 2000 : op.c % 4)) +
            text.slice(e),
        );
      return out(`${text.slice(0, e)}--${text.slice(e)}`);
    }
    case 4: {
      // nesting bombs: multipart/mixed or message/rfc822 layers around the message
      const layers = 1 + (op.b % 2 === 0 ? op.c % 100 : op.c % 5);
      let msg = text;
      for (let i = 0; i < layers; i++)
        msg =
          op.a % 2 === 0
            ? `Content-Type: multipart/mixed; boundary="L${i}"${eol}${eol}--L${i}${eol}${msg}${eol}--L${i}--${eol}`
            : `Content-Type: message/rfc822${eol}${eol}${msg}`;
      return out(msg);
    }
    case 5: {
      // a signed wrapper whose signature is another part of the message
      const boundary = `s${op.c % 1000}`;
      return out(
        [
          `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="${boundary}"`,
          "",
          `--${boundary}`,
          text,
          `--${boundary}`,
          "Content-Type: application/pkcs7-signature",
          "Content-Transfer-Encoding: base64",
          "",
          Buffer.from(op.bytes).toString("base64"),
          `--${boundary}--`,
          "",
        ].join(eol),
      );
    }
    case 6: // header folding everywhere
      return out(`${lines.map((l) => l.replace(/ /g, `${eol} `)).join(eol)}${eol}${eol}${body}`);
    case 7: {
      // quoted-printable / base64 soft damage in the body
      const damage = pick(["=", "=\r\n", "=4", "==", "====\r\n", "\x00", "\xff", "=?utf-8?B?", "--"], op.b);
      const at = body.length === 0 ? 0 : op.a % body.length;
      return out(`${head}${eol}${eol}${body.slice(0, at)}${damage}${body.slice(at)}`);
    }
    default:
      return mutateBytes(input, { ...op, op: Math.floor(op.op / 10) });
  }
}

export const opArbitrary: fc.Arbitrary<Op> = fc.record({
  op: fc.nat(),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
  bytes: fc.uint8Array({ maxLength: 48 }),
});

/** A random BER element built from scratch (structure-aware generation, not mutation). */
export const berTreeArbitrary: fc.Arbitrary<BerNode> = fc.letrec<{ node: BerNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({
      id: fc
        .constantFrom(
          [0x02],
          [0x03],
          [0x04],
          [0x05],
          [0x06],
          [0x0c],
          [0x13],
          [0x17],
          [0x18],
          [0x1e],
          [0x80],
          [0x1f, 0x81, 0x00],
        )
        .map((id): number[] => [...id]),
      indefinite: fc.constant(false),
      content: fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.constantFrom(...INTERESTING_CONTENT, ...OIDS)),
    }),
    fc.record({
      id: fc.constantFrom([0x30], [0x31], [0x24], [0xa0], [0xa1], [0xa3]).map((id): number[] => [...id]),
      indefinite: fc.boolean(),
      children: fc.array(tie("node"), { maxLength: 5 }),
    }),
  ),
})).node;
