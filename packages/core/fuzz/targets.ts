import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type fc from "fast-check";
import {
  berContext,
  children,
  octetStringValue,
  readBitString,
  readInteger,
  readOid,
  readRoot,
  readString,
  readTime,
  TAG,
  type Tlv,
} from "../src/asn1/ber-reader.js";
import { decryptEnveloped } from "../src/cms/enveloped/decrypt-enveloped.js";
import { inspectEnveloped } from "../src/cms/enveloped/inspect-enveloped.js";
import { verifySignedData } from "../src/cms/signed/verify-signed-data.js";
import { parseAddressList } from "../src/mime/address-list.js";
import { base64Decode } from "../src/mime/base64.js";
import { parseContentDisposition, parseContentType } from "../src/mime/content-type.js";
import { decodeEncodedWords } from "../src/mime/encoded-words.js";
import { splitMultipart, splitSigned } from "../src/mime/multipart.js";
import { getHeader, type MimeEntity, parseEntity } from "../src/mime/parse-entity.js";
import { qpDecode } from "../src/mime/quoted-printable.js";
import { importPfx } from "../src/pkcs12/import-pfx.js";
import {
  allowsEmailProtection,
  type Certificate,
  isSelfIssued,
  keyIdentifier,
  parseCertificate,
} from "../src/pki/certificate.js";
import { parseCrl } from "../src/pki/crl.js";
import type { Identity } from "../src/pki/identity.js";
import { classifyMessage } from "../src/smime/classify-message.js";
import { openMessage } from "../src/smime/open.js";
import { openMessageStream } from "../src/smime/open-stream.js";
import { messageModel, serializeMessage } from "../src/smime/test-support/arbitraries.js";
import { berTreeArbitrary, encodeTree } from "./mutate.js";
import { loadManifest, readSeed, type Seed, type SeedKind, type SeedManifest } from "./seeds.js";

/**
 * The fuzz targets: each names the seeds it starts from, how its inputs are mutated (as BER
 * or as a MIME message), an optional structure-aware generator, the core source folders whose
 * coverage it reports, and the call under test. A target passes an input when the call returns
 * or throws CoreError (the one documented error class, errors.ts).
 */
export interface SeedInput {
  seed: Seed;
  bytes: Buffer;
  content?: Buffer;
}

export interface TargetContext {
  manifest: SeedManifest;
  seeds: SeedInput[];
  identities: Identity[];
  trust: Certificate[];
  known: Certificate[];
  /** A fixed time inside every seed certificate's validity, so verdicts do not drift within a run. */
  at: Date;
}

export interface FuzzTarget {
  name: string;
  /** Folders or files under packages/core/src whose coverage this target reports. */
  covers: string[];
  seedKinds: SeedKind[];
  mutation: "ber" | "mime";
  /** Inputs made from scratch rather than from a seed. */
  generate?: fc.Arbitrary<Uint8Array>;
  /** Returns a short description of the result's shape (a behaviour for the breeding pool), or nothing. */
  run(input: Uint8Array, ctx: TargetContext, origin: SeedInput | undefined): Promise<string | undefined>;
}

/**
 * Walks every element of a BER input and reads each primitive as its tag says. The walk is
 * ours, so it stops at the reader's depth limit itself (core's parsers descend only into the
 * fixed shapes of their structures).
 */
function walkBer(buf: Uint8Array, tlv: Tlv, ctx: ReturnType<typeof berContext>, depth = 0): void {
  if (tlv.constructed) {
    if (tlv.tag === TAG.OCTET_STRING_CONSTRUCTED) octetStringValue(buf, tlv, ctx);
    if (depth >= ctx.limits.maxDepth) return;
    for (const child of children(buf, tlv, ctx)) walkBer(buf, child, ctx, depth + 1);
    return;
  }
  switch (tlv.tag) {
    case TAG.OID:
      readOid(buf, tlv);
      break;
    case TAG.INTEGER:
      readInteger(buf, tlv);
      break;
    case TAG.BIT_STRING:
      readBitString(buf, tlv);
      break;
    case TAG.UTC_TIME:
    case TAG.GENERALIZED_TIME:
      readTime(buf, tlv);
      break;
    case TAG.UTF8_STRING:
    case TAG.BMP_STRING:
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.UNIVERSAL_STRING:
      readString(buf, tlv);
      break;
  }
}

/** Parses a message and every part under it, decoding bodies and the header fields S/MIME reads. */
function walkMime(entity: MimeEntity, depth: number): string {
  const type = parseContentType(getHeader(entity, "content-type")?.value);
  parseContentDisposition(getHeader(entity, "content-disposition")?.value ?? "");
  for (const name of ["from", "sender", "to"]) {
    const field = getHeader(entity, name);
    if (field) parseAddressList(field.value);
  }
  const subject = getHeader(entity, "subject");
  if (subject) decodeEncodedWords(subject.value);
  const cte = getHeader(entity, "content-transfer-encoding")?.value.trim().toLowerCase();
  if (cte === "base64") base64Decode(entity.body);
  else if (cte === "quoted-printable") qpDecode(entity.body);
  const shape = `${type.type}/${type.subtype}${cte ? `;${cte}` : ""}`;
  if (depth > 40) return shape;
  if (type.type === "multipart") {
    if (type.subtype === "signed") {
      try {
        splitSigned(entity);
      } catch (error) {
        if (!(error instanceof Error && error.name === "CoreError")) throw error;
      }
    }
    const parts = splitMultipart(entity).parts.map((part) => walkMime(part.entity, depth + 1));
    return `${shape}(${[...new Set(parts)].join(",")})`;
  }
  if (type.type === "message" && type.subtype === "rfc822")
    return `${shape}(${walkMime(parseEntity(entity.body), depth + 1)})`;
  return shape;
}

const mimeGenerator = messageModel.map((m) => new Uint8Array(serializeMessage(m)));
const berGenerator = berTreeArbitrary.map((t) => new Uint8Array(encodeTree(t)));

export const TARGETS: FuzzTarget[] = [
  {
    name: "mime",
    covers: ["mime/"],
    seedKinds: ["message"],
    mutation: "mime",
    generate: mimeGenerator,
    async run(input) {
      return walkMime(parseEntity(input), 0);
    },
  },
  {
    name: "ber",
    covers: ["asn1/"],
    seedKinds: ["certificate", "crl", "signed", "enveloped", "authEnveloped", "pfx"],
    mutation: "ber",
    generate: berGenerator,
    async run(input) {
      const ctx = berContext();
      walkBer(input, readRoot(input, ctx), ctx);
      return undefined;
    },
  },
  {
    name: "certificate",
    covers: ["pki/certificate.ts", "pki/name.ts", "pki/pem.ts", "asn1/"],
    seedKinds: ["certificate"],
    mutation: "ber",
    async run(input) {
      const cert = parseCertificate(input);
      keyIdentifier(cert);
      allowsEmailProtection(cert);
      isSelfIssued(cert);
      return `${cert.keyAlgorithm} ${cert.extensions.map((e) => e.oid).join(",")}`;
    },
  },
  {
    name: "crl",
    covers: ["pki/crl.ts", "pki/name.ts", "asn1/"],
    seedKinds: ["crl"],
    mutation: "ber",
    async run(input) {
      const crl = parseCrl(input);
      return `${crl.revoked.size > 0} ${crl.unsupportedCritical.join(",")}`;
    },
  },
  {
    name: "cms-signed",
    covers: ["cms/signed/", "pki/", "asn1/"],
    seedKinds: ["signed"],
    mutation: "ber",
    async run(input, ctx, origin) {
      const result = await verifySignedData(input, {
        ...(origin?.content ? { content: origin.content } : {}),
        trust: ctx.trust,
        known: ctx.known,
        at: ctx.at,
        expectedAddresses: ["alice@example.test"],
      });
      return result.signers.map((s) => `${s.status}: ${s.reason.replace(/\d+/g, "N")}`).join("; ");
    },
  },
  {
    name: "cms-enveloped",
    covers: ["cms/enveloped/", "primitives/", "asn1/"],
    seedKinds: ["enveloped"],
    mutation: "ber",
    async run(input, ctx) {
      await inspectEnveloped(input);
      const result = await decryptEnveloped(input, { identities: ctx.identities });
      return `${result.info.cipher} ${result.info.keyManagement.join(",")}`;
    },
  },
  {
    name: "cms-auth-enveloped",
    covers: ["cms/enveloped/", "primitives/", "asn1/"],
    seedKinds: ["authEnveloped"],
    mutation: "ber",
    async run(input, ctx) {
      await inspectEnveloped(input);
      const result = await decryptEnveloped(input, { identities: ctx.identities });
      return `${result.info.cipher} ${result.info.keyManagement.join(",")}`;
    },
  },
  {
    name: "open",
    covers: ["smime/", "mime/", "cms/", "pki/", "asn1/"],
    seedKinds: ["message"],
    mutation: "mime",
    async run(input, ctx) {
      const options = { identities: ctx.identities, trust: ctx.trust, known: ctx.known, at: ctx.at };
      const opened = await openMessage(input, options);
      // The streaming path must hold to the same rules on the same bytes (0: stream everything).
      await openMessageStream([input], { ...options, bufferBelow: 0 });
      return opened.layers
        .map((l) => (l.type === "signed" ? `signed ${l.signers.map((s) => s.status).join(",")}` : l.cipher))
        .join(" > ");
    },
  },
  {
    name: "classify",
    covers: ["smime/classify-message.ts", "smime/stream-sniff.ts", "smime/classify.ts"],
    seedKinds: ["message"],
    mutation: "mime",
    async run(input) {
      // Never throws for content, not even CoreError: delivery lists whatever arrives.
      const shapes = [input.length, 300, 2048].map((cut) => {
        try {
          const c = classifyMessage(input.subarray(0, cut), { complete: cut >= input.length });
          return `${c.kind}${c.form ? `/${c.form}` : ""} ${c.cipher ?? "-"} ${c.basis}`;
        } catch (error) {
          throw new Error(`classifyMessage threw (${(error as Error).message})`, { cause: error });
        }
      });
      return shapes[0];
    },
  },
  {
    name: "pkcs12",
    covers: ["pkcs12/", "primitives/", "asn1/"],
    seedKinds: ["pfx"],
    mutation: "ber",
    async run(input, ctx) {
      // A lower KDF budget than the default 10,000,000 keeps executions fast; NSS's own
      // 600,000-iteration files then stop at the budget check, after the outer parsing.
      const pfx = importPfx(input, ctx.manifest.password, { now: ctx.at, maxKdfIterations: 100_000 });
      return `${pfx.encryption} ${pfx.mac} ${pfx.notes.join(",")}`;
    },
  },
];

export function targetNamed(name: string): FuzzTarget {
  const target = TARGETS.find((t) => t.name === name);
  if (!target) throw new Error(`no fuzz target "${name}" (known: ${TARGETS.map((t) => t.name).join(", ")})`);
  return target;
}

export function loadContext(seedDir: string, target?: FuzzTarget): TargetContext {
  const manifest = loadManifest(seedDir);
  const pem = (name: string) => readFileSync(join(seedDir, name), "utf8");
  const trust = manifest.trust.map((f) => parseCertificate(pem(f)));
  const known = manifest.intermediates.map((f) => parseCertificate(pem(f)));
  const identities = manifest.identities.map(
    (i): Identity => ({
      privateKey: createPrivateKey(pem(i.key)),
      certificate: parseCertificate(pem(i.cert)),
      chain: [],
    }),
  );
  const seeds = manifest.seeds
    .filter((s) => !target || target.seedKinds.includes(s.kind))
    .map((seed) => ({ seed, ...readSeed(manifest, seed) }));
  // One hour after the newest certificate's notBefore: inside every seed's validity.
  const newest = Math.max(
    ...[...trust, ...identities.map((i) => i.certificate)].map((c) => c.notBefore.getTime()),
  );
  return { manifest, seeds, identities, trust, known, at: new Date(newest + 3_600_000) };
}
