import { createHash, createSign, type Hash } from "node:crypto";
import { type DigestInfo, digestByName, OID } from "../../algorithms.js";
import { TAG } from "../../asn1/ber-reader.js";
import { implicitPrimitive, integer, octetString, oid, sequence, sortDer } from "../../asn1/der-writer.js";
import { CoreError } from "../../errors.js";
import { keyIdentifier } from "../../pki/certificate.js";
import {
  createSignature,
  nodeKeyOptions,
  type SignatureScheme,
  signatureAlgorithmFor,
} from "../../pki/signature-algorithm.js";
import { type DerNode, encodeTree, node } from "./der-tree.js";
import { digestAlgorithmIdentifier } from "./digest-algorithm.js";
import { type ContentSink, feedContent } from "./feed-content.js";
import { DEFAULT_CAPABILITIES, encodeSignedAttributes } from "./signed-attributes.js";
import type { ContentSource, SignerOptions, SignOptions } from "./types.js";

const DATA = oid(OID.data);
const SIGNED_DATA = oid(OID.signedData);
const SIGNABLE_DIGESTS = new Set(["SHA-1", "SHA-256", "SHA-384", "SHA-512"]);

interface PreparedSigner {
  options: SignerOptions;
  digest: DigestInfo;
  algorithmIdentifier: Uint8Array;
  scheme: SignatureScheme;
  /** Without signed attributes the signature covers the content itself, fed as it streams. */
  direct: ContentSink & { sign(): Uint8Array };
}

/**
 * CMS SignedData (RFC 5652 §5) in a DER ContentInfo. The content is digested as it arrives
 * (one pass for every signer and digest); the encapsulated form (`detached: false`) keeps the
 * streamed chunks to write them out, so it holds the content in memory once. With
 * `options.contentDigests` (detached, signed attributes) the caller has digested the content
 * already and passes `undefined` for it.
 */
export async function signData(
  content: ContentSource | undefined,
  options: SignOptions,
): Promise<Uint8Array> {
  if (options.signers.length === 0)
    throw new CoreError("invalid-argument", "signData needs at least one signer");
  const withAttributes = options.signedAttributes ?? true;
  const contentType = options.contentType ?? OID.data;
  if (!withAttributes && contentType !== OID.data)
    throw new CoreError(
      "invalid-argument",
      "signed attributes are required when eContentType is not id-data",
    );
  const capabilities = options.capabilities ?? DEFAULT_CAPABILITIES;
  const signingTime = options.signingTime ?? (options.now ?? (() => new Date()))();

  const signers = options.signers.map((s) => prepare(s, withAttributes));
  let chunks: Uint8Array[] = [];
  let digests: ReadonlyMap<string, Uint8Array>;
  if (options.contentDigests) {
    digests = givenDigests(content, options, signers);
  } else {
    const hashes = new Map<string, Hash>();
    for (const s of signers)
      if (!hashes.has(s.digest.name)) hashes.set(s.digest.name, createHash(s.digest.node));
    const sinks: ContentSink[] = withAttributes ? [...hashes.values()] : signers.map((s) => s.direct);
    chunks = await feedContent(content as ContentSource, sinks, !options.detached);
    digests = new Map([...hashes].map(([name, h]) => [name, h.digest()]));
  }

  const signerInfos = signers.map((s) => {
    const cert = s.options.identity.certificate;
    let attrs: Uint8Array | undefined;
    let signature: Uint8Array;
    if (withAttributes) {
      attrs = encodeSignedAttributes({
        contentType,
        messageDigest: digests.get(s.digest.name) as Uint8Array,
        signingTime,
        capabilities,
        certificate: cert,
      });
      // RFC 5652 §5.4: the signature covers the SET OF (0x31) encoding; the same bytes go out as [0].
      signature = createSignature(s.scheme, s.digest, s.options.identity.privateKey, attrs);
      attrs = Buffer.from(attrs);
      attrs[0] = 0xa0;
    } else {
      signature = s.direct.sign();
    }
    const ski = s.options.sid === "subjectKeyIdentifier";
    const sid = ski
      ? implicitPrimitive(0, keyIdentifier(cert))
      : sequence(cert.issuerName.der, integer(cert.serial));
    return sequence(
      integer(ski ? 3 : 1),
      sid,
      digestAlgorithmIdentifier(s.digest),
      ...(attrs ? [attrs] : []),
      s.algorithmIdentifier,
      octetString(signature),
    );
  });

  const certificates: Uint8Array[] = [];
  if (options.includeChain ?? true) {
    const seen = new Set<string>();
    for (const s of signers) {
      const { certificate, chain } = s.options.identity;
      for (const c of [certificate, ...chain]) {
        if (seen.has(c.sha256)) continue;
        seen.add(c.sha256);
        certificates.push(c.der);
      }
    }
  }
  const version =
    contentType !== OID.data || signers.some((s) => s.options.sid === "subjectKeyIdentifier") ? 3 : 1;
  const digestAlgorithms = [...new Set(signers.map((s) => s.digest))].map(digestAlgorithmIdentifier);
  const eContent: DerNode[] = options.detached ? [] : [node(0xa0, node(TAG.OCTET_STRING, ...chunks))];
  const signedData = node(
    TAG.SEQUENCE,
    integer(version),
    node(TAG.SET, ...sortDer(digestAlgorithms)),
    node(TAG.SEQUENCE, contentType === OID.data ? DATA : oid(contentType), ...eContent),
    ...(certificates.length ? [node(0xa0, ...sortDer(certificates))] : []),
    node(TAG.SET, ...sortDer(signerInfos)),
  );
  return encodeTree(node(TAG.SEQUENCE, SIGNED_DATA, node(0xa0, signedData)));
}

/** `contentDigests` in place of the content: only for a detached signature with signed attributes. */
function givenDigests(
  content: ContentSource | undefined,
  options: SignOptions,
  signers: readonly PreparedSigner[],
): ReadonlyMap<string, Uint8Array> {
  const given = options.contentDigests as ReadonlyMap<string, Uint8Array>;
  if (content !== undefined)
    throw new CoreError("invalid-argument", "give signData the content or contentDigests, not both");
  if (!options.detached)
    throw new CoreError(
      "invalid-argument",
      "contentDigests needs a detached signature (eContent is the content)",
    );
  if (!(options.signedAttributes ?? true))
    throw new CoreError(
      "invalid-argument",
      "contentDigests needs signed attributes (without them the signature covers the content itself)",
    );
  for (const { digest } of signers) {
    const value = given.get(digest.name);
    if (!(value instanceof Uint8Array) || value.length !== digest.length)
      throw new CoreError(
        "invalid-argument",
        `contentDigests has no ${digest.length}-byte ${digest.name} value`,
      );
  }
  return given;
}

function prepare(options: SignerOptions, withAttributes: boolean): PreparedSigner {
  const { identity } = options;
  if (!identity?.privateKey || !identity.certificate)
    throw new CoreError("invalid-argument", "signer identity needs a private key and a certificate");
  if (identity.privateKey.type !== "private")
    throw new CoreError("invalid-argument", "signer identity key is not a private key");
  // RFC 8419 §3: Ed25519 with signed attributes uses SHA-512 for messageDigest.
  const ed25519 = identity.privateKey.asymmetricKeyType === "ed25519";
  const name = options.digest ?? (ed25519 ? "SHA-512" : "SHA-256");
  const digest = digestByName(name);
  if (!digest || !SIGNABLE_DIGESTS.has(digest.name) || (ed25519 && digest.name !== "SHA-512"))
    throw new CoreError(
      "invalid-argument",
      `cannot sign with digest ${name} (SHA-256/384/512, or SHA-1 on request; Ed25519 needs SHA-512)`,
    );
  const { algorithmIdentifier, scheme } = signatureAlgorithmFor(identity.privateKey, digest, options.scheme);
  return {
    options,
    digest,
    algorithmIdentifier,
    scheme,
    direct: directSigner(scheme, digest, options, !withAttributes),
  };
}

/** For signatures over the content itself (no signed attributes, RFC 5652 §5.4). */
function directSigner(
  scheme: SignatureScheme,
  digest: DigestInfo,
  options: SignerOptions,
  active: boolean,
): ContentSink & { sign(): Uint8Array } {
  const key = options.identity.privateKey;
  if (!active) return { update() {}, sign: () => new Uint8Array(0) };
  if (scheme.kind === "ed25519") {
    const parts: Uint8Array[] = [];
    return {
      update: (chunk) => void parts.push(chunk),
      sign: () => createSignature(scheme, digest, key, Buffer.concat(parts)),
    };
  }
  const signer = createSign(digest.node);
  return {
    update: (chunk) => void signer.update(chunk),
    sign: () => signer.sign(nodeKeyOptions(scheme, key)),
  };
}
