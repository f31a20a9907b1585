import { generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { OID } from "../algorithms.js";
import { der } from "../asn1/index.js";
import { CoreError } from "../errors.js";
import { KEY_USAGE } from "../pki/certificate.js";
import type { Identity } from "../pki/identity.js";
import {
  buildCertificate,
  encodeName,
  extension,
  keyIdentifierOf,
  randomSerial,
  signerFor,
  spkiOf,
  wholeSeconds,
} from "./certificate-builder.js";

const generate = promisify(generateKeyPair);

export type CaKeyAlgorithm = "RSA-3072" | "EC-P256";

export interface CreateCaOptions {
  /** The CA's common name, e.g. "Example Mail CA". */
  name: string;
  keyAlgorithm?: CaKeyAlgorithm;
  validityYears?: number;
  now?: Date;
}

/** Certificates are backdated this much so a client whose clock runs a little slow accepts them. */
export const BACKDATE_MS = 60 * 60 * 1000;

/**
 * A self-signed root for the server's own CA: basicConstraints cA=TRUE,
 * pathLen 0 (it signs only end entities) critical; keyUsage keyCertSign + cRLSign critical;
 * subject and authority key identifiers (RFC 5280 §4.2.1.1–§4.2.1.3, §4.2.1.9).
 * Key generation runs in libuv's thread pool (RSA-3072 takes a second or more).
 */
export async function createCa(options: CreateCaOptions): Promise<Identity> {
  const name = options.name.trim();
  if (name.length === 0 || name.length > 64)
    throw new CoreError("invalid-argument", "CA name must be 1..64 characters (RFC 5280 ub-common-name)");
  const years = options.validityYears ?? 10;
  if (!Number.isInteger(years) || years < 1 || years > 30)
    throw new CoreError("invalid-argument", `CA validity must be 1..30 years, got ${years}`);
  const now = wholeSeconds(options.now ?? new Date());
  const privateKey = await generateCaKey(options.keyAlgorithm ?? "RSA-3072");
  const spki = spkiOf(privateKey);
  const keyId = keyIdentifierOf(spki);
  const subject = encodeName([[OID.commonName, name]]);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  const certificate = buildCertificate(
    {
      serial: randomSerial(),
      issuer: subject,
      subject,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter,
      spki,
      extensions: [
        extension(OID.basicConstraints, true, der.sequence(der.bool(true), der.integer(0))),
        extension(OID.keyUsage, true, der.namedBits([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
        extension(OID.subjectKeyIdentifier, false, der.octetString(keyId)),
        extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicitPrimitive(0, keyId))),
      ],
    },
    signerFor(privateKey),
  );
  return { privateKey, certificate, chain: [] };
}

async function generateCaKey(algorithm: CaKeyAlgorithm): Promise<KeyObject> {
  if (algorithm === "RSA-3072") return (await generate("rsa", { modulusLength: 3072 })).privateKey;
  if (algorithm === "EC-P256") return (await generate("ec", { namedCurve: "P-256" })).privateKey;
  throw new CoreError("invalid-argument", `unknown CA key algorithm ${String(algorithm)}`);
}
