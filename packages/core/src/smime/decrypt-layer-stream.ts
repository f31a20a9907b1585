/**
 * decryptOuterLayer on streams (Decrypt in place of a large message): the outer header block
 * is read, the EnvelopedData / AuthEnvelopedData body decoded and decrypted as it is read
 * (RFC 5652 §6, RFC 5083), and the plaintext message assembled exactly as assemblePlaintext
 * does it — outer fields the inner header does not repeat, then the decrypted entity — is
 * yielded chunk by chunk. Signatures inside stay as they are.
 *
 * Messages up to `bufferBelow` bytes (default 256 KiB) go through decryptOuterLayer itself.
 * Above that, as with openMessageStream: CBC plaintext is yielded before the final pad check
 * (the iteration then throws "decryption-failed": discard what was received, e.g. by rolling
 * back the transaction it went into); AES-GCM plaintext is held until the tag verifies, so
 * memory grows with the content for AuthEnvelopedData.
 */
import { decryptEnvelopedStream } from "../cms/enveloped/index.js";
import { CoreError, isCoreError } from "../errors.js";
import { parseContentType } from "../mime/content-type.js";
import { resolveMimeLimits } from "../mime/limits.js";
import { getHeader, parseEntity } from "../mime/parse-entity.js";
import type { Identity } from "../pki/identity.js";
import { checkSmimeType, classifyEntity } from "./classify.js";
import { decryptionFailed } from "./decrypt-envelope.js";
import { decryptOuterLayer, outerFieldsKept } from "./decrypt-layer.js";
import { encryptedLayer } from "./layer-report.js";
import { envelopeLimits, resolveSmimeLimits, type SmimeLimits } from "./limits.js";
import { decodedBody } from "./open-stream.js";
import { plausibleReader } from "./stream-plausible.js";
import { type ChunkSource, readEntityHead, STREAM_BUFFER_BELOW, StreamReader } from "./stream-reader.js";
import { SNIFF_BYTES, sniffCmsPrefix } from "./stream-sniff.js";
import type { EncryptedLayer } from "./types.js";

export interface DecryptLayerStreamOptions {
  identities: Identity[];
  limits?: Partial<SmimeLimits>;
  /** Messages up to this many bytes are decrypted whole, by decryptOuterLayer. Default 256 KiB; 0 streams all. */
  bufferBelow?: number;
}

/** What the generator returns once every byte was yielded (and the content checked). */
export interface DecryptLayerStreamResult {
  layer: EncryptedLayer;
  /** The header block of the plaintext message (its fields plus the blank line, if any). */
  header: Uint8Array;
}

const notEncrypted = () => new CoreError("invalid-argument", "the message is not encrypted");

export async function* decryptOuterLayerStream(
  source: ChunkSource,
  options: DecryptLayerStreamOptions,
): AsyncGenerator<Uint8Array, DecryptLayerStreamResult> {
  const limits = resolveSmimeLimits(options.limits);
  const reader = new StreamReader(source, limits.maxMessageBytes);
  try {
    const first = await reader.readUpTo(options.bufferBelow ?? STREAM_BUFFER_BELOW);
    if (first.ended) {
      const result = await decryptOuterLayer(Buffer.concat(first.parts, first.length), options);
      yield result.message;
      const entity = parseEntity(result.message);
      return { layer: result.layer, header: result.message.subarray(0, entity.bodyOffset) };
    }
    reader.unshiftAll(first.parts);
    first.parts.length = 0; // the reader holds them now; this frame must not pin them
    const mimeLimits = resolveMimeLimits();
    const outer = await readEntityHead(reader, mimeLimits);
    const contentType = parseContentType(getHeader(outer, "content-type")?.value);
    if (classifyEntity(outer, contentType) !== "pkcs7-mime") throw notEncrypted();
    const der = new StreamReader(decodedBody(outer, reader.rest()));
    const prefix = await der.readUpTo(SNIFF_BYTES);
    der.unshiftAll(prefix.parts);
    const cms = sniffCmsPrefix(Buffer.concat(prefix.parts, prefix.length));
    checkSmimeType(contentType.params["smime-type"], cms.kind, cms.oid);
    if (cms.kind !== "enveloped" && cms.kind !== "authEnveloped") throw notEncrypted();
    if (options.identities.length === 0) throw new CoreError("not-a-recipient", "no private key was offered");
    try {
      const opened = await decryptEnvelopedStream(der.rest(), {
        identities: options.identities,
        limits: envelopeLimits(limits),
      });
      const plain = new StreamReader(opened.content);
      try {
        const inner = await readEntityHead(plain, mimeLimits);
        // Noise (CBC without integrity) is never stored as a "decrypted" message.
        const body = opened.info.kind === "enveloped" ? plausibleReader(inner, plain) : plain;
        const kept = outerFieldsKept(outer.headers, inner.headers);
        const header = kept.length === 0 ? inner.raw : Buffer.concat([...kept.map((f) => f.raw), inner.raw]);
        yield header;
        for (let c = await body.next(); c !== undefined; c = await body.next()) yield c;
        return { layer: encryptedLayer(opened.info), header };
      } catch (error) {
        // Decryption before parsing, as decryptOuterLayer: a failed pad wins over what the
        // garbage made the header reader throw, so every wrong key looks the same.
        for (let c = await plain.next(); c !== undefined; c = await plain.next());
        throw error;
      } finally {
        await plain.close(); // ends the decryption early on any other failure: the CEK is wiped
      }
    } catch (error) {
      if (isCoreError(error, "decryption-failed")) throw decryptionFailed();
      throw error;
    }
  } finally {
    await reader.close();
  }
}
