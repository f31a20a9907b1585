import { createCipheriv, createDecipheriv, type Decipher } from "node:crypto";
import { type CipherInfo, cipherByOid, OID } from "../../algorithms.js";
import {
  type BerContext,
  children,
  contentBytes,
  expectTag,
  readRoot,
  readSmallInteger,
  TAG,
} from "../../asn1/ber-reader.js";
import { algorithmIdentifier, integer, octetString, sequence } from "../../asn1/der-writer.js";
import { CoreError } from "../../errors.js";
import { createRc2Decipheriv } from "../../primitives/rc2.js";
import { type AlgorithmId, unsupported } from "./recipient-infos.js";

/**
 * Content-encryption algorithms and their parameters: AES-CBC and 3DES-CBC take the IV as
 * an OCTET STRING (RFC 3565 §4.1, RFC 3370 §5.1), RC2 an RC2CBCParameter (RFC 3370 §5.2,
 * RFC 2268 §6), AES-GCM a GCMParameters (RFC 5084 §3.2).
 */
export interface ContentAlgorithm {
  cipher: CipherInfo;
  /** IV (CBC) or nonce (GCM). */
  iv: Uint8Array;
  /** GCM tag length in bytes (aes-ICVlen, DEFAULT 12). */
  icvLength: number | undefined;
}

const RC2_VERSION_TO_BITS: Readonly<Record<number, number>> = { 160: 40, 120: 64, 58: 128 };
const RC2_BITS_TO_VERSION: Readonly<Record<number, number>> = { 40: 160, 64: 120, 128: 58 };

export function parseContentAlgorithm(
  alg: AlgorithmId,
  kind: "enveloped" | "authEnveloped",
  ctx: BerContext,
): ContentAlgorithm {
  const { oid, parameters } = alg;
  const params = parameters && readRoot(parameters, ctx);
  if (oid === OID.rc2Cbc) {
    if (kind !== "enveloped") throw unsupported("AuthEnvelopedData content algorithm", oid);
    if (!params || params.tag !== TAG.SEQUENCE || !parameters)
      throw new CoreError("unsupported-algorithm", "RC2 with a bare IV (32 effective bits) is not supported");
    const [versionTlv, ivTlv] = children(parameters, params, ctx);
    if (!versionTlv || !ivTlv) throw new CoreError("malformed", "RC2CBCParameter needs version and iv");
    const version = readSmallInteger(parameters, versionTlv);
    const bits = version >= 256 ? version : RC2_VERSION_TO_BITS[version];
    const cipher = bits === undefined ? undefined : cipherByOid(oid, bits);
    if (!cipher)
      throw new CoreError(
        "unsupported-algorithm",
        `RC2 with rc2ParameterVersion ${version} is not supported`,
      );
    return {
      cipher,
      iv: ivOf(contentBytes(parameters, expectTag(ivTlv, TAG.OCTET_STRING, "RC2 iv")), 8, cipher),
      icvLength: undefined,
    };
  }
  const cipher = cipherByOid(oid);
  if (!cipher) throw unsupported("content-encryption algorithm", oid);
  if (cipher.mode === "gcm") {
    if (kind !== "authEnveloped")
      throw new CoreError(
        "unsupported-algorithm",
        `${cipher.name} inside EnvelopedData is not supported (RFC 5083 requires AuthEnvelopedData)`,
      );
    if (!params || !parameters) throw new CoreError("malformed", `${cipher.name} needs GCMParameters`);
    const [nonceTlv, icvTlv] = children(parameters, expectTag(params, TAG.SEQUENCE, "GCMParameters"), ctx);
    if (!nonceTlv) throw new CoreError("malformed", "GCMParameters needs aes-nonce");
    const nonce = contentBytes(parameters, expectTag(nonceTlv, TAG.OCTET_STRING, "aes-nonce"));
    // RFC 5084 §3.2: 12 octets recommended; other lengths are legal GCM and node handles them.
    if (nonce.length < 8 || nonce.length > 64)
      throw new CoreError("malformed", `${cipher.name} nonce of ${nonce.length} bytes (expected 12)`);
    const icvLength = icvTlv ? readSmallInteger(parameters, icvTlv) : 12;
    if (icvLength < 12 || icvLength > 16)
      throw new CoreError(
        "malformed",
        `${cipher.name} aes-ICVlen ${icvLength} is outside 12..16 (RFC 5084 §3.2)`,
      );
    return { cipher, iv: nonce, icvLength };
  }
  if (kind !== "enveloped") throw unsupported("AuthEnvelopedData content algorithm", oid);
  if (!params || !parameters) throw new CoreError("malformed", `${cipher.name} needs an IV parameter`);
  const iv = contentBytes(parameters, expectTag(params, TAG.OCTET_STRING, `${cipher.name} IV`));
  return { cipher, iv: ivOf(iv, cipher.blockSize, cipher), icvLength: undefined };
}

function ivOf(iv: Uint8Array, length: number, cipher: CipherInfo): Uint8Array {
  if (iv.length !== length)
    throw new CoreError("malformed", `${cipher.name} IV is ${iv.length} bytes, expected ${length}`);
  return iv;
}

/** The AlgorithmIdentifier we write (RC2 is never written). */
export function encodeContentAlgorithm(cipher: CipherInfo, iv: Uint8Array): Uint8Array {
  if (cipher.mode === "gcm") return algorithmIdentifier(cipher.oid, sequence(octetString(iv), integer(16)));
  if (cipher.effectiveBits !== null) {
    const version = RC2_BITS_TO_VERSION[cipher.effectiveBits] ?? cipher.effectiveBits;
    return algorithmIdentifier(cipher.oid, sequence(integer(version), octetString(iv)));
  }
  return algorithmIdentifier(cipher.oid, octetString(iv));
}

/** The streaming cipher shape shared by node's Decipher and our RC2. */
export interface ContentCipher {
  update(data: Uint8Array): Buffer;
  final(): Buffer;
}

const FAILED = "the message could not be decrypted";

/** 1 when x (0..2^31) is zero, else 0; 1 when a < b (both 0..2^31): integer masks, no branches. */
const isZero = (x: number): number => ((x - 1) >>> 31) & 1;
const lessThan = (a: number, b: number): number => ((a - b) >>> 31) & 1;

/**
 * PKCS#7 unpadding (RFC 5652 §6.3) here rather than in OpenSSL: OpenSSL's failed pad check
 * throws an Error built from its error queue, which made a bad pad ≈ 10 µs slower than a good
 * pad (bench/oracle.ts) — a padding oracle in time. The last block is held back until final()
 * and checked over all its bytes with masks; a bad pad is one CoreError, like noise.
 */
function unpaddingCbc(inner: Decipher, blockSize: number): ContentCipher {
  inner.setAutoPadding(false);
  let held: Buffer = Buffer.alloc(0); // the last whole block decrypted so far (it may be the pad)
  let total = 0;
  return {
    update(data) {
      total += data.length;
      const out = inner.update(data); // whole blocks only: OpenSSL keeps a partial one back
      if (out.length === 0) return out;
      const all = held.length === 0 ? out : Buffer.concat([held, out]);
      held = Buffer.from(all.subarray(all.length - blockSize));
      return all.subarray(0, all.length - blockSize);
    },
    final() {
      // A length that is not whole blocks (public) fails here too, not in OpenSSL's final(),
      // which would throw its own (slower) Error.
      const whole = isZero(total % blockSize);
      const last = held;
      held = Buffer.alloc(0);
      const pad = whole && last.length === blockSize ? (last[blockSize - 1] as number) : 0;
      let bad = isZero(pad) | lessThan(blockSize, pad);
      for (let i = 0; i < last.length; i++) {
        const inPad = 1 ^ lessThan(i, blockSize - pad);
        bad |= inPad & (1 ^ isZero((last[i] as number) ^ pad));
      }
      const plain = Buffer.from(last.subarray(0, blockSize - pad));
      last.fill(0);
      if (bad) throw new CoreError("decryption-failed", FAILED);
      return plain;
    },
  };
}

/**
 * A decipher for the content. For GCM the AAD and tag must be known first (RFC 5083 §2.2):
 * node checks the tag in final(), and callers must not release plaintext before it returns.
 * Every cryptographic failure from update()/final() becomes the one uniform error.
 */
export function createContentDecipher(
  alg: ContentAlgorithm,
  cek: Uint8Array,
  gcm?: { aad: Uint8Array; tag: Uint8Array },
): ContentCipher {
  const { cipher, iv } = alg;
  let inner: ContentCipher;
  if (cipher.node === null) {
    inner = createRc2Decipheriv(cek, cipher.effectiveBits ?? 0, iv);
  } else if (cipher.mode === "gcm") {
    if (!gcm) throw new CoreError("invalid-argument", "GCM decryption needs the AAD and tag");
    const d = createDecipheriv(cipher.node as "aes-256-gcm", cek, iv, { authTagLength: alg.icvLength ?? 12 });
    d.setAAD(gcm.aad);
    d.setAuthTag(gcm.tag);
    inner = d;
  } else {
    inner = unpaddingCbc(createDecipheriv(cipher.node, cek, iv), cipher.blockSize);
  }
  return {
    update(data) {
      try {
        return inner.update(data);
      } catch (error) {
        if (error instanceof CoreError) throw error;
        throw new CoreError("decryption-failed", FAILED);
      }
    },
    final() {
      try {
        return inner.final();
      } catch (error) {
        if (error instanceof CoreError) throw error;
        throw new CoreError("decryption-failed", FAILED);
      }
    },
  };
}

export function createContentCipher(cipher: CipherInfo, cek: Uint8Array, iv: Uint8Array) {
  if (cipher.node === null) throw new CoreError("invalid-argument", `${cipher.name} is read-only in Sealbox`);
  if (cipher.mode === "gcm")
    return createCipheriv(cipher.node as "aes-256-gcm", cek, iv, { authTagLength: 16 });
  return createCipheriv(cipher.node, cek, iv);
}
