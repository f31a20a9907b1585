import { constants, publicEncrypt } from "node:crypto";
import { children, readRoot, type Tlv } from "../../asn1/ber-reader.js";
import { tlv } from "../../asn1/der-writer.js";
import type { Identity } from "../../pki/identity.js";
import { rewriteCms } from "./mime-craft.js";
import { openssl } from "./peers.js";
import type { Party, SmimePki } from "./pki.js";

/**
 * Every way a recipient's decryption can fail once a RecipientInfo names its key, made from
 * real `openssl cms -encrypt` messages by changing bytes or offering the wrong private key.
 * Shared by the no-oracle test (same error) and bench/oracle.ts (same time). `family` names the
 * code path a case runs: cases of one family differ only in data a sender controls.
 */
export type OracleFamily = "rsa-v15-cbc" | "rsa-v15-gcm" | "rsa-oaep-cbc" | "ecdh-cbc";

export interface OracleCase {
  name: string;
  family: OracleFamily;
  /** The bench's five classes; `undefined` for cases only the test runs. */
  benchClass?: "wrong-key" | "bad-pkcs1" | "bad-cbc-pad" | "bad-gcm-tag" | "malformed" | "implausible";
  message: Buffer;
  identities: Identity[];
}

/** The text every message carries: no byte 0x01..0x10 near a block end, so a cut never leaves a valid pad. */
export function oracleContent(bytes = 4096): Buffer {
  const head = "From: Alice <alice@example.test>\r\nTo: Bob <bob@example.test>\r\nSubject: ledger\r\n";
  const line = "The quarterly ledger is attached below; every figure was checked twice.\r\n";
  let body = "";
  while (head.length + 2 + body.length < bytes) body += line;
  return Buffer.from(`${head}\r\n${body}`.slice(0, bytes), "latin1");
}

/** Rebuilds the DER with the element at `path` (child indices from the root) replaced. */
function replaceAt(
  der: Uint8Array,
  node: Tlv,
  path: number[],
  replace: (element: Tlv) => Uint8Array,
): Uint8Array {
  if (path.length === 0) return replace(node);
  const kids = children(der, node);
  const [index, ...rest] = path as [number, ...number[]];
  if (!kids[index]) throw new Error(`no child ${index} under tag 0x${node.tag.toString(16)}`);
  const parts: Uint8Array[] = kids.map((kid, i) =>
    i === index ? replaceAt(der, kid, rest, replace) : der.subarray(kid.start, kid.end),
  );
  return tlv(node.tag, parts);
}

function rewrite(der: Buffer, path: number[], replace: (element: Tlv) => Uint8Array): Buffer {
  const root = readRoot(der);
  if (root.indefinite) throw new Error("expected a DER (definite-length) message");
  return Buffer.from(replaceAt(der, root, path, replace));
}

/** Path to the (Auth)EnvelopedData SEQUENCE: ContentInfo → [0] → SEQUENCE. */
const ED = [1, 0];

function fieldIndex(der: Buffer, path: number[], tag: number, occurrence = 0): number {
  let node = readRoot(der);
  for (const i of path) node = children(der, node)[i] as Tlv;
  let seen = 0;
  const kids = children(der, node);
  for (let i = 0; i < kids.length; i++) if ((kids[i] as Tlv).tag === tag && seen++ === occurrence) return i;
  throw new Error(`no tag 0x${tag.toString(16)} under the path ${path.join(".")}`);
}

/** The encryptedContent octets, changed by `change` (openssl writes them as one primitive [0]). */
export function withCiphertext(der: Buffer, change: (ciphertext: Buffer) => Buffer): Buffer {
  const eci = [...ED, fieldIndex(der, ED, 0x30)];
  const content = [...eci, fieldIndex(der, eci, 0x80)];
  return rewrite(der, content, (e) =>
    tlv(0x80, change(Buffer.from(der.subarray(e.contentStart, e.contentEnd)))),
  );
}

/** The first RecipientInfo's encryptedKey (KTRI: its last field; KARI: the first RecipientEncryptedKey's). */
export function withEncryptedKey(der: Buffer, change: (key: Buffer) => Uint8Array): Buffer {
  const set = [...ED, fieldIndex(der, ED, 0x31)];
  const first = readFirst(der, set);
  let path: number[];
  if (first.tag === 0x30) path = [...set, 0, children(der, first).length - 1];
  else {
    // KeyAgreeRecipientInfo: version, originator, ukm?, keyEncryptionAlgorithm, recipientEncryptedKeys
    const reks = [...set, 0, fieldIndex(der, [...set, 0], 0x30, 1)];
    path = [...reks, 0, 1];
  }
  return rewrite(der, path, (e) =>
    tlv(0x04, change(Buffer.from(der.subarray(e.contentStart, e.contentEnd)))),
  );
}

function readFirst(der: Buffer, path: number[]): Tlv {
  let node = readRoot(der);
  for (const i of path) node = children(der, node)[i] as Tlv;
  return children(der, node)[0] as Tlv;
}

/** The AuthEnvelopedData mac (its last field; openssl writes no unauthAttrs). */
export function withMac(der: Buffer, change: (mac: Buffer) => Buffer): Buffer {
  let node = readRoot(der);
  for (const i of ED) node = children(der, node)[i] as Tlv;
  const last = children(der, node).length - 1;
  return rewrite(der, [...ED, last], (e) =>
    tlv(0x04, change(Buffer.from(der.subarray(e.contentStart, e.contentEnd)))),
  );
}

const flip = (bytes: Buffer, index: number, mask = 0x01): Buffer => {
  const copy = Buffer.from(bytes);
  const i = index < 0 ? copy.length + index : index;
  copy[i] = (copy[i] as number) ^ mask;
  return copy;
};

/**
 * A raw RSA block for `party` whose PKCS#1 v1.5 padding is wrong in the way named: block type
 * 01 instead of 02, no zero separator, fewer than 8 padding bytes, or good padding around a
 * key of the wrong length (16 bytes where AES-256 needs 32).
 */
export function badPkcs1Block(party: Party, kind: "type-01" | "no-separator" | "short-ps" | "wrong-length") {
  const k = (party.certificate.publicKey.asymmetricKeyDetails?.modulusLength ?? 2048) / 8;
  const ps = (n: number) => Buffer.alloc(n, 0x5a);
  let em: Buffer;
  if (kind === "type-01")
    em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - 35, 0xff), Buffer.from([0]), ps(32)]);
  else if (kind === "no-separator") em = Buffer.concat([Buffer.from([0, 2]), ps(k - 2)]);
  else if (kind === "short-ps") em = Buffer.concat([Buffer.from([0, 2]), ps(4), Buffer.from([0]), ps(k - 7)]);
  else
    return publicEncrypt({ key: party.certificate.publicKey, padding: constants.RSA_PKCS1_PADDING }, ps(16));
  return publicEncrypt({ key: party.certificate.publicKey, padding: constants.RSA_NO_PADDING }, em);
}

export interface OracleParties {
  /** RSA 2048 recipient. */
  bob: Party;
  /** A different RSA 2048 key: the "wrong key" offered with Bob's certificate. */
  mallory: Party;
  /** EC P-256 recipient. */
  carol: Party;
  /** A different P-256 key. */
  eve: Party;
}

/** The modulus of an RSA key as a bigint (for the C < n choice below). */
function modulusOf(party: Party): bigint {
  const jwk = party.identity.privateKey.export({ format: "jwk" });
  return BigInt(`0x${Buffer.from(jwk.n ?? "", "base64url").toString("hex")}`);
}

/**
 * Encrypts `content` to `party` with openssl until the RSA ciphertext is below `below`'s
 * modulus too, so that a wrong key runs the whole RSA + implicit-rejection path (C ≥ n of the
 * wrong key is rejected early: public, and a different timing class of its own).
 */
function encryptFor(
  pki: SmimePki,
  content: Buffer,
  party: Party,
  flags: string[],
  keyopts: string[] = [],
  below?: Party,
): Buffer {
  for (let attempt = 0; ; attempt++) {
    const message = openssl.encrypt(pki, content, [{ party, keyopts }], flags);
    if (!below) return message;
    let c = 0n;
    rewriteCms(message, (der) => {
      withEncryptedKey(der, (key) => {
        c = BigInt(`0x${key.toString("hex")}`);
        return key;
      });
      return der;
    });
    if (c < modulusOf(below) || attempt > 40) return message;
  }
}

export interface OracleControl {
  family: OracleFamily;
  message: Buffer;
  identities: Identity[];
}

/** The untouched messages (`controls`: each opens with the right key) and the failing cases made from them. */
export function oracleCases(
  pki: SmimePki,
  parties: OracleParties,
  content = oracleContent(),
): { controls: OracleControl[]; cases: OracleCase[] } {
  const { bob, mallory, carol, eve } = parties;
  const cbc = encryptFor(pki, content, bob, ["-aes256"], [], mallory);
  const gcm = encryptFor(pki, content, bob, ["-aes-256-gcm"], [], mallory);
  const oaep = encryptFor(pki, content, bob, ["-aes256"], ["rsa_padding_mode:oaep"], mallory);
  const ecdh = openssl.encrypt(pki, content, [{ party: carol }], ["-aes256"]);
  // A valid pad around bytes no sender encrypts (a NUL in the first line): what a wrong key
  // yields about once in 256 tries; it must not look different from a bad pad.
  const noise = Buffer.concat([Buffer.from("\u0000 not a MIME entity\r\n"), content]);
  const noiseCbc = openssl.encrypt(pki, noise, [{ party: bob }], ["-aes256", "-binary"]);
  const asBob = [bob.identity];
  const asCarol = [carol.identity];
  const wrongRsa = [{ ...bob.identity, privateKey: mallory.identity.privateKey }];
  const wrongEc = [{ ...carol.identity, privateKey: eve.identity.privateKey }];
  const cms = (message: Buffer, change: (der: Buffer) => Buffer) => rewriteCms(message, change);
  const ct = (message: Buffer, change: (c: Buffer) => Buffer) =>
    cms(message, (d) => withCiphertext(d, change));
  const key = (message: Buffer, change: (k: Buffer) => Uint8Array) =>
    cms(message, (d) => withEncryptedKey(d, change));
  const controls: OracleControl[] = [
    { family: "rsa-v15-cbc", message: cbc, identities: asBob },
    { family: "rsa-v15-gcm", message: gcm, identities: asBob },
    { family: "rsa-oaep-cbc", message: oaep, identities: asBob },
    { family: "ecdh-cbc", message: ecdh, identities: asCarol },
  ];
  const cases: OracleCase[] = [
    // Key transport or agreement with a key that is not the one the sender used.
    {
      name: "RSA v1.5, wrong private key (CBC)",
      family: "rsa-v15-cbc",
      benchClass: "wrong-key",
      message: cbc,
      identities: wrongRsa,
    },
    { name: "RSA v1.5, wrong private key (GCM)", family: "rsa-v15-gcm", message: gcm, identities: wrongRsa },
    { name: "RSA-OAEP, wrong private key", family: "rsa-oaep-cbc", message: oaep, identities: wrongRsa },
    {
      name: "ECDH, wrong private key (AES key unwrap fails)",
      family: "ecdh-cbc",
      message: ecdh,
      identities: wrongEc,
    },
    // The right key, a changed encryptedKey.
    {
      name: "RSA v1.5, block type 01",
      family: "rsa-v15-cbc",
      benchClass: "bad-pkcs1",
      message: key(cbc, () => badPkcs1Block(bob, "type-01")),
      identities: asBob,
    },
    {
      name: "RSA v1.5, no zero separator",
      family: "rsa-v15-cbc",
      message: key(cbc, () => badPkcs1Block(bob, "no-separator")),
      identities: asBob,
    },
    {
      name: "RSA v1.5, padding string under 8 bytes",
      family: "rsa-v15-cbc",
      message: key(cbc, () => badPkcs1Block(bob, "short-ps")),
      identities: asBob,
    },
    {
      name: "RSA v1.5, good padding, 16-byte key for AES-256",
      family: "rsa-v15-cbc",
      message: key(cbc, () => badPkcs1Block(bob, "wrong-length")),
      identities: asBob,
    },
    {
      name: "RSA v1.5, bad padding (GCM)",
      family: "rsa-v15-gcm",
      message: key(gcm, () => badPkcs1Block(bob, "type-01")),
      identities: asBob,
    },
    {
      name: "RSA-OAEP, encryptedKey changed",
      family: "rsa-oaep-cbc",
      message: key(oaep, (k) => flip(k, 7)),
      identities: asBob,
    },
    {
      name: "ECDH, wrapped key changed",
      family: "ecdh-cbc",
      message: key(ecdh, (k) => flip(k, 3)),
      identities: asCarol,
    },
    // The right key, changed content.
    {
      name: "CBC, bad pad (last byte of the next-to-last block flipped)",
      family: "rsa-v15-cbc",
      benchClass: "bad-cbc-pad",
      message: ct(cbc, (c) => flip(c, -17)),
      identities: asBob,
    },
    {
      name: "CBC, bad pad (ECDH)",
      family: "ecdh-cbc",
      message: ct(ecdh, (c) => flip(c, -17)),
      identities: asCarol,
    },
    {
      name: "CBC, bad pad (RSA-OAEP)",
      family: "rsa-oaep-cbc",
      message: ct(oaep, (c) => flip(c, -17)),
      identities: asBob,
    },
    {
      name: "CBC, good pad around noise (no MIME entity, a NUL)",
      family: "rsa-v15-cbc",
      benchClass: "implausible",
      message: noiseCbc,
      identities: asBob,
    },
    {
      name: "GCM, tag flipped",
      family: "rsa-v15-gcm",
      benchClass: "bad-gcm-tag",
      message: cms(gcm, (d) => withMac(d, (m) => flip(m, -1, 0x80))),
      identities: asBob,
    },
    {
      name: "GCM, ciphertext flipped",
      family: "rsa-v15-gcm",
      message: ct(gcm, (c) => flip(c, 100)),
      identities: asBob,
    },
    // The right key, malformed ciphertext (the CMS around it well-formed).
    {
      name: "CBC, ciphertext not a multiple of the block size",
      family: "rsa-v15-cbc",
      benchClass: "malformed",
      message: ct(cbc, (c) => c.subarray(0, c.length - 1)),
      identities: asBob,
    },
    {
      name: "CBC, ciphertext one block short",
      family: "rsa-v15-cbc",
      message: ct(cbc, (c) => c.subarray(0, c.length - 16)),
      identities: asBob,
    },
    {
      name: "CBC, empty ciphertext",
      family: "rsa-v15-cbc",
      message: ct(cbc, () => Buffer.alloc(0)),
      identities: asBob,
    },
    {
      name: "GCM, ciphertext one byte short",
      family: "rsa-v15-gcm",
      message: ct(gcm, (c) => c.subarray(0, c.length - 1)),
      identities: asBob,
    },
    {
      name: "GCM, ciphertext with a byte appended",
      family: "rsa-v15-gcm",
      message: ct(gcm, (c) => Buffer.concat([c, Buffer.from([0x41])])),
      identities: asBob,
    },
  ];
  return { controls, cases };
}
