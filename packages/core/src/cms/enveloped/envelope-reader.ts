import { describeOid, OID } from "../../algorithms.js";
import {
  type BerContext,
  berContext,
  expectTag,
  octetStringValue,
  readOid,
  readRoot,
  readSmallInteger,
  TAG,
} from "../../asn1/ber-reader.js";
import { CoreError } from "../../errors.js";
import type { BerHeader, ByteSource } from "./byte-source.js";
import { type ContentAlgorithm, parseContentAlgorithm } from "./content-algorithm.js";
import { parseRecipientInfos, type RecipientInfo, readAlgorithmId } from "./recipient-infos.js";
import type { EnvelopeLimits } from "./types.js";

/**
 * Incremental reader for ContentInfo → EnvelopedData (RFC 5652 §6.1) or AuthEnvelopedData
 * (RFC 5083 §2.1), in DER or BER (definite or indefinite lengths, constructed content).
 * Everything before and after the encrypted content is small and read whole (bounded by
 * maxHeaderBytes); the content is streamed piece by piece and never held here.
 */
export interface EnvelopeHeader {
  kind: "enveloped" | "authEnveloped";
  version: number;
  recipientInfos: RecipientInfo[];
  contentType: string;
  contentAlgorithm: ContentAlgorithm;
  ctx: BerContext;
}

export interface EnvelopeTrailer {
  /** AuthEnvelopedData: authAttrs with the [1] tag replaced by SET OF (RFC 5083 §2.2), or empty. */
  aad: Uint8Array;
  mac: Uint8Array | undefined;
}

const EOC = Uint8Array.of(0, 0);
const SMALL_PIECE = 16 * 1024;
const STAGING = 256 * 1024;

function malformed(message: string): CoreError {
  return new CoreError("malformed", message);
}

function hex(tag: number): string {
  return `0x${tag.toString(16).padStart(2, "0")}`;
}

export class EnvelopeReader {
  private readonly stack: { end: number | null; what: string }[] = [];
  private headerBytes = 0;
  private content: BerHeader | undefined;
  private kind: EnvelopeHeader["kind"] = "enveloped";
  private readonly ctx: BerContext;

  constructor(
    private readonly src: ByteSource,
    private readonly limits: EnvelopeLimits,
  ) {
    this.ctx = berContext({ maxDepth: limits.maxDepth, maxNodes: limits.maxNodes });
  }

  private budget(n: number): void {
    this.headerBytes += n;
    if (this.headerBytes > this.limits.maxHeaderBytes)
      throw new CoreError(
        "limit-exceeded",
        `CMS structure outside the content exceeds ${this.limits.maxHeaderBytes} bytes`,
      );
  }

  private checkFits(h: BerHeader, what: string): void {
    const parent = this.stack[this.stack.length - 1];
    if (h.length !== null && parent?.end != null && this.src.position + h.length > parent.end)
      throw malformed(`${what} (length ${h.length}) runs past the end of ${parent.what}`);
  }

  private checkInside(what: string): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent?.end != null && this.src.position > parent.end)
      throw malformed(`${what} runs past the end of ${parent.what}`);
  }

  private async open(tag: number, what: string): Promise<BerHeader> {
    const h = await this.src.readHeader(what);
    if (h.tag !== tag) throw malformed(`expected ${what} (tag ${hex(tag)}), found tag ${hex(h.tag)}`);
    this.checkFits(h, what);
    this.budget(h.headerLength);
    this.stack.push({ end: h.length === null ? null : this.src.position + h.length, what });
    return h;
  }

  private async close(): Promise<void> {
    const top = this.stack.pop();
    if (!top) throw new CoreError("invalid-argument", "EnvelopeReader: unbalanced close");
    if (top.end === null) {
      if (!(await this.src.takeEndOfContents()))
        throw malformed(`${top.what} has extra elements or no end-of-contents`);
    } else if (this.src.position !== top.end) {
      throw malformed(`${top.what} has unexpected extra elements`);
    }
    this.checkInside(top.what);
  }

  private async atContainerEnd(): Promise<boolean> {
    const top = this.stack[this.stack.length - 1];
    if (!top) return this.src.atEnd();
    if (top.end !== null) return this.src.position >= top.end;
    await this.src.fill(2);
    const next = this.src.peekBuffered(2);
    return next.length === 2 && next[0] === 0 && next[1] === 0;
  }

  /** One whole element's bytes (nested indefinite lengths included), charged to the header budget. */
  private async element(what: string, depth = 0): Promise<Uint8Array> {
    if (depth > this.limits.maxDepth)
      throw new CoreError("limit-exceeded", `ASN.1: nesting deeper than ${this.limits.maxDepth} in ${what}`);
    const h = await this.src.readHeader(what);
    if (depth === 0) this.checkFits(h, what);
    this.budget(h.headerLength + (h.length ?? 0));
    if (h.length !== null) {
      const body = await this.src.take(h.length, what);
      return Buffer.concat([h.raw, body]);
    }
    const parts: Uint8Array[] = [h.raw];
    while (!(await this.src.takeEndOfContents())) parts.push(await this.element(what, depth + 1));
    this.budget(2);
    parts.push(EOC);
    if (depth === 0) this.checkInside(what);
    return Buffer.concat(parts);
  }

  async readHeader(): Promise<EnvelopeHeader> {
    await this.src.fill(1);
    const first = this.src.peekBuffered(1)[0];
    if (first === undefined) throw malformed("empty input: expected a CMS ContentInfo");
    if (first !== TAG.SEQUENCE) {
      const text = first === 0x2d || /[A-Za-z0-9+/]/.test(String.fromCharCode(first));
      throw malformed(
        text
          ? "expected DER, found text (PEM or base64?): decode the transfer encoding first"
          : `not a CMS ContentInfo (first byte ${hex(first)})`,
      );
    }
    await this.open(TAG.SEQUENCE, "ContentInfo");
    if ((await this.src.peekTag()) === TAG.SEQUENCE)
      throw malformed(
        "expected a CMS ContentInfo but found an X.509 certificate or key (SEQUENCE { SEQUENCE … })",
      );
    const typeDer = await this.element("ContentInfo contentType");
    const outerType = readOid(typeDer, readRoot(typeDer, this.ctx));
    if (outerType === OID.envelopedData) this.kind = "enveloped";
    else if (outerType === OID.authEnvelopedData) this.kind = "authEnveloped";
    else throw malformed(`expected EnvelopedData or AuthEnvelopedData, found ${describeOid(outerType)}`);
    const name = this.kind === "enveloped" ? "EnvelopedData" : "AuthEnvelopedData";
    await this.open(0xa0, "ContentInfo [0] content");
    await this.open(TAG.SEQUENCE, name);
    const versionDer = await this.element(`${name} version`);
    const version = readSmallInteger(versionDer, readRoot(versionDer, this.ctx));
    if ((await this.src.peekTag()) === 0xa0) await this.element("originatorInfo"); // certificates/CRLs: not needed to decrypt
    const riDer = await this.element("RecipientInfos");
    const recipientInfos = parseRecipientInfos(riDer, this.ctx, this.limits.maxRecipients);
    await this.open(TAG.SEQUENCE, "EncryptedContentInfo");
    const ctDer = await this.element("EncryptedContentInfo contentType");
    const contentType = readOid(ctDer, readRoot(ctDer, this.ctx));
    const algDer = await this.element("contentEncryptionAlgorithm");
    const algorithm = readAlgorithmId(
      algDer,
      expectTag(readRoot(algDer, this.ctx), TAG.SEQUENCE, "AlgorithmIdentifier"),
      this.ctx,
    );
    const contentAlgorithm = parseContentAlgorithm(algorithm, this.kind, this.ctx);
    if (await this.atContainerEnd())
      throw malformed(
        "EncryptedContentInfo has no encryptedContent (detached encrypted content is not supported)",
      );
    const content = await this.src.readHeader("encryptedContent");
    if (content.tag !== 0x80 && content.tag !== 0xa0)
      throw malformed(`expected encryptedContent [0], found tag ${hex(content.tag)}`);
    this.checkFits(content, "encryptedContent");
    this.content = content;
    return { kind: this.kind, version, recipientInfos, contentType, contentAlgorithm, ctx: this.ctx };
  }

  /** The ciphertext, as zero-copy pieces; must be fully consumed before readTrailer(). */
  async *body(): AsyncGenerator<Uint8Array> {
    const h = this.content;
    if (!h) throw new CoreError("invalid-argument", "EnvelopeReader: body() before readHeader()");
    const total = { bytes: 0 };
    if (h.length !== null && !h.constructed) {
      this.count(total, h.length);
      yield* this.src.stream(h.length, "encryptedContent");
    } else {
      yield* this.pieces(h, 1, total);
    }
  }

  private count(total: { bytes: number }, n: number): void {
    total.bytes += n;
    if (total.bytes > this.limits.maxContentBytes)
      throw new CoreError("limit-exceeded", `encrypted content exceeds ${this.limits.maxContentBytes} bytes`);
  }

  private async *pieces(h: BerHeader, depth: number, total: { bytes: number }): AsyncGenerator<Uint8Array> {
    if (depth > this.limits.maxDepth)
      throw new CoreError(
        "limit-exceeded",
        `encryptedContent pieces nested deeper than ${this.limits.maxDepth}`,
      );
    const end = h.length === null ? null : this.src.position + h.length;
    // Small pieces already buffered are gathered synchronously into one staging buffer
    // (writers like pkijs use 1 KiB pieces: 50k of them for 50 MB).
    let staging: Buffer | undefined;
    let used = 0;
    const flush = (): Uint8Array => {
      const out = (staging as Buffer).subarray(0, used);
      staging = undefined;
      used = 0;
      return out;
    };
    for (;;) {
      if (end === null) {
        const eoc = this.src.endOfContentsSync() ?? (await this.src.takeEndOfContents());
        if (eoc) break;
      } else if (this.src.position >= end) {
        if (this.src.position > end) throw malformed("an encryptedContent piece runs past its container");
        break;
      }
      const piece =
        this.src.headerSync("encryptedContent piece") ??
        (await this.src.readHeader("encryptedContent piece"));
      if (piece.tag === TAG.OCTET_STRING && piece.length !== null) {
        if (end !== null && this.src.position + piece.length > end)
          throw malformed("an encryptedContent piece runs past its container");
        this.count(total, piece.length);
        const direct = piece.length < SMALL_PIECE ? this.src.takeSync(piece.length) : undefined;
        if (direct) {
          if (staging && used + direct.length > staging.length) yield flush();
          staging ??= Buffer.allocUnsafe(STAGING);
          staging.set(direct, used);
          used += direct.length;
          continue;
        }
        if (used > 0) yield flush();
        yield* this.src.stream(piece.length, "encryptedContent piece");
      } else if (piece.tag === TAG.OCTET_STRING_CONSTRUCTED) {
        if (used > 0) yield flush();
        yield* this.pieces(piece, depth + 1, total);
      } else {
        throw malformed(
          `constructed encryptedContent holds tag ${hex(piece.tag)} instead of OCTET STRING pieces`,
        );
      }
    }
    if (used > 0) yield flush();
  }

  /** Everything after the content: unprotectedAttrs, or authAttrs + mac + unauthAttrs; then the end. */
  async readTrailer(): Promise<EnvelopeTrailer> {
    await this.close(); // EncryptedContentInfo
    let aad: Uint8Array = new Uint8Array(0);
    let mac: Uint8Array | undefined;
    if (this.kind === "enveloped") {
      if (!(await this.atContainerEnd()) && (await this.src.peekTag()) === 0xa1)
        await this.element("unprotectedAttrs");
    } else {
      if ((await this.src.peekTag()) === 0xa1) {
        const attrs = Buffer.from(await this.element("authAttrs"));
        attrs[0] = TAG.SET; // RFC 5083 §2.2: AAD is the DER of AuthAttributes as SET OF
        aad = attrs;
      }
      if (await this.atContainerEnd()) throw malformed("AuthEnvelopedData has no mac");
      const macDer = await this.element("mac");
      const macTlv = readRoot(macDer, this.ctx);
      if (macTlv.tag !== TAG.OCTET_STRING && macTlv.tag !== TAG.OCTET_STRING_CONSTRUCTED)
        throw malformed(`expected the AuthEnvelopedData mac (OCTET STRING), found tag ${hex(macTlv.tag)}`);
      mac = octetStringValue(macDer, macTlv, this.ctx);
      if (!(await this.atContainerEnd()) && (await this.src.peekTag()) === 0xa2)
        await this.element("unauthAttrs");
    }
    await this.close(); // (Auth)EnvelopedData
    await this.close(); // [0]
    await this.close(); // ContentInfo
    if (!(await this.src.atEnd())) throw malformed("unexpected bytes after the CMS ContentInfo");
    return { aad, mac };
  }
}
