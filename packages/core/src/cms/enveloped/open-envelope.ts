import { randomBytes } from "node:crypto";
import { CoreError, isCoreError } from "../../errors.js";
import { ByteSource } from "./byte-source.js";
import { createContentDecipher } from "./content-algorithm.js";
import { envelopeInfo } from "./envelope-info.js";
import { type EnvelopeHeader, EnvelopeReader } from "./envelope-reader.js";
import { decryptKeyAgreement, kariAlgorithms } from "./key-agreement.js";
import { checkKeyTransportAlgorithm, decryptKeyTransport } from "./key-transport.js";
import { findRecipient, type RecipientMatch } from "./recipient-match.js";
import {
  DEFAULT_ENVELOPE_LIMITS,
  type DecryptOptions,
  type DecryptStreamResult,
  type EnvelopeLimits,
} from "./types.js";

/**
 * The one decryption path behind decryptEnveloped, decryptEnvelopedStream and
 * inspectEnveloped: parse the header incrementally, pick ONE recipient, recover the CEK,
 * then decrypt the content as it streams (CBC) or after the tag is known (GCM).
 */
const FAILED = "the message could not be decrypted";
/** node's cipher gets at most this much per call. */
const MAX_FEED = 256 * 1024;

export function resolveLimits(limits: Partial<EnvelopeLimits> | undefined): EnvelopeLimits {
  return { ...DEFAULT_ENVELOPE_LIMITS, ...limits };
}

export async function readEnvelope(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  limits: EnvelopeLimits,
): Promise<{ src: ByteSource; reader: EnvelopeReader; header: EnvelopeHeader }> {
  const src = new ByteSource(source);
  const reader = new EnvelopeReader(src, limits);
  try {
    return { src, reader, header: await reader.readHeader() };
  } catch (error) {
    await src.close();
    throw error;
  }
}

function notARecipient(header: EnvelopeHeader): CoreError {
  const ids = envelopeInfo(header).recipientIds.map((r) => {
    if (r.subjectKeyIdentifier) return `subjectKeyIdentifier ${r.subjectKeyIdentifier}`;
    if (r.issuerSerial) return `issuer "${r.issuerSerial.issuer}" serial ${r.issuerSerial.serialHex}`;
    return `a ${r.type} recipient`;
  });
  return new CoreError(
    "not-a-recipient",
    `none of your keys can open this message; it is encrypted for: ${ids.join("; ")}`,
  );
}

function recoverCek(
  match: RecipientMatch,
  header: EnvelopeHeader,
  rng: (n: number) => Uint8Array,
): Uint8Array {
  const length = header.contentAlgorithm.cipher.keyLength;
  if (match.recipient.type === "ktri") {
    return decryptKeyTransport(
      match.identity.privateKey,
      match.recipient.keyEncryptionAlgorithm,
      match.encryptedKey,
      length,
      header.ctx,
      rng,
    );
  }
  let cek: Uint8Array;
  try {
    cek = decryptKeyAgreement(match.identity.privateKey, match.recipient, match.encryptedKey, header.ctx);
  } catch (error) {
    if (!isCoreError(error, "decryption-failed")) throw error;
    // A wrong key fails the key-wrap check: carry on with a random CEK like RSA's implicit
    // rejection (RFC 3218 §2.3), so every failure of this path ends at the pad or tag, in about
    // the same time, instead of early and only for a bad key.
    return rng(length);
  }
  if (cek.length === length) return cek;
  cek.fill(0);
  return rng(length); // same path as a wrong key: fail at the pad or tag
}

/** Splits huge pieces so node's output temporaries stay small (malloc reuses them; no fresh page faults). */
async function* feed(pieces: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const piece of pieces) {
    if (piece.length <= MAX_FEED) yield piece;
    else
      for (let offset = 0; offset < piece.length; offset += MAX_FEED)
        yield piece.subarray(offset, offset + MAX_FEED);
  }
}

async function* decryptContent(
  src: ByteSource,
  reader: EnvelopeReader,
  header: EnvelopeHeader,
  cek: Uint8Array,
): AsyncGenerator<Uint8Array> {
  try {
    const alg = header.contentAlgorithm;
    if (alg.cipher.mode === "gcm") {
      // RFC 5083: the AAD (authAttrs) and the tag follow the ciphertext. Hold the ciphertext
      // (views of the input, no copies beyond re-slicing), release plaintext only after final().
      const held: Uint8Array[] = [];
      for await (const part of feed(reader.body())) held.push(part);
      const { aad, mac } = await reader.readTrailer();
      if (!mac || mac.length !== alg.icvLength)
        throw new CoreError(
          "malformed",
          `AuthEnvelopedData mac is ${mac?.length ?? 0} bytes, aes-ICVlen says ${alg.icvLength}`,
        );
      const decipher = createContentDecipher(alg, cek, { aad, tag: mac });
      const out: Uint8Array[] = [];
      for (let i = 0; i < held.length; i++) {
        out.push(decipher.update(held[i] as Uint8Array));
        held[i] = new Uint8Array(0);
      }
      out.push(decipher.final());
      for (const part of out) if (part.length > 0) yield part;
      return;
    }
    const decipher = createContentDecipher(alg, cek);
    for await (const part of feed(reader.body())) {
      const plain = decipher.update(part);
      if (plain.length > 0) yield plain;
    }
    await reader.readTrailer();
    const last = decipher.final();
    if (last.length > 0) yield last;
  } finally {
    cek.fill(0);
    await src.close();
  }
}

export async function openEnvelope(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: DecryptOptions,
): Promise<DecryptStreamResult> {
  if (!options || !Array.isArray(options.identities))
    throw new CoreError("invalid-argument", "decryption needs options.identities");
  const rng = options.rng ?? randomBytes;
  const { src, reader, header } = await readEnvelope(source, resolveLimits(options.limits));
  let cek: Uint8Array;
  try {
    const match = findRecipient(header.recipientInfos, options.identities);
    if (!match) throw notARecipient(header);
    // Algorithm support is public: decide it before touching the private key.
    if (match.recipient.type === "ktri")
      checkKeyTransportAlgorithm(match.recipient.keyEncryptionAlgorithm, header.ctx);
    else kariAlgorithms(match.recipient, header.ctx);
    cek = recoverCek(match, header, rng);
  } catch (error) {
    await src.close();
    if (error instanceof CoreError) throw error;
    throw new CoreError("decryption-failed", FAILED, { cause: error });
  }
  return {
    info: envelopeInfo(header),
    contentType: header.contentType,
    content: decryptContent(src, reader, header, cek),
  };
}
