import { createHash, createPublicKey, randomBytes } from "node:crypto";
import { digestByName, OID } from "../algorithms.js";
import { der } from "../asn1/index.js";
import { CoreError } from "../errors.js";
import type { Identity } from "../pki/identity.js";
import { bmpPassword } from "../primitives/pkcs12-kdf.js";
import { encodeEncryptedPrivateKeyInfo } from "./encrypted-private-key-info.js";
import { newPbes2, pbeEncrypt } from "./pbe-cipher.js";
import { encodePbeAlgorithm } from "./pbe-encode.js";
import { newPkcs12Pbe, type Pbes2, type Pkcs12Pbe } from "./pbe-scheme.js";
import { encodeMacData } from "./pfx-mac.js";
import { encodeCertBagValue, encodeSafeBag } from "./safe-bags.js";

/** The file name offered when a user downloads their key. */
export const DEFAULT_PFX_FILENAME = "CertAndKey.pfx";

/**
 * Default work factor for files we write. 600,000 PBKDF2-HMAC-SHA256 iterations is what
 * NSS 3.87 (Thunderbird, Firefox) writes and OWASP's 2023 figure for PBKDF2-SHA256; the
 * MAC uses the same count, because a MAC with fewer iterations would be a cheaper oracle for
 * guessing the password than the key bag itself (OpenSSL's 2048/2048 is 300× weaker).
 * Cost here: ~0.13 s per PBKDF2 and ~0.3 s for the JS PKCS#12 KDF of the MAC.
 */
export const DEFAULT_PFX_ITERATIONS = 600_000;
/**
 * The legacy form is for clients without PBES2 (old Windows, macOS Keychain, Java ≤ 8).
 * Java's own PKCS12KeyStore wrote 50,000 (PBE) / 100,000 (MAC) with these exact algorithms
 * and those files import everywhere; the SHA-1 PKCS#12 KDF here costs 3 chains per 3DES bag.
 */
export const DEFAULT_LEGACY_PFX_ITERATIONS = 100_000;

export interface ExportPfxOptions {
  /** pbeWithSHAAnd3-KeyTripleDES-CBC for key and certificates, HMAC-SHA1 MAC. */
  legacy?: boolean;
  friendlyName?: string;
  iterations?: number;
}

/**
 * Writes a PKCS#12 file (RFC 7292) the way OpenSSL lays it out: AuthenticatedSafe =
 * [EncryptedData(certBag leaf, certBag chain…), Data(pkcs8ShroudedKeyBag)], with friendlyName
 * and localKeyId (SHA-1 of the certificate DER, as OpenSSL sets it) on the key and leaf bags,
 * and a password MAC. Default: PBES2 AES-256-CBC + PBKDF2-HMAC-SHA256 (RFC 8018 §6.2) and an
 * HMAC-SHA256 MAC; legacy: 3DES with the SHA-1 PKCS#12 KDF and an HMAC-SHA1 MAC.
 */
export function exportPfx(identity: Identity, password: string, options: ExportPfxOptions = {}): Uint8Array {
  const legacy = options.legacy ?? false;
  const iterations = options.iterations ?? (legacy ? DEFAULT_LEGACY_PFX_ITERATIONS : DEFAULT_PFX_ITERATIONS);
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > 10_000_000)
    throw new CoreError("invalid-argument", `PFX iteration count must be 1..10,000,000, got ${iterations}`);
  const ownSpki = createPublicKey(identity.privateKey).export({ type: "spki", format: "der" });
  if (Buffer.compare(ownSpki, identity.certificate.publicKey.export({ type: "spki", format: "der" })) !== 0)
    throw new CoreError("key-certificate-mismatch", "the private key does not belong to the certificate");
  const nfc = password.normalize("NFC");
  const raw = Buffer.from(nfc, "utf8");
  const bmp = bmpPassword(nfc);
  const scheme = (): Pkcs12Pbe | Pbes2 =>
    legacy
      ? newPkcs12Pbe(OID.pbeWithShaAnd3KeyTripleDesCbc, randomBytes(8), iterations)
      : newPbes2({ cipher: "AES-256-CBC", prf: "SHA-256", iterations });
  const input = (s: Pkcs12Pbe | Pbes2) => (s.kind === "pkcs12" ? bmp : raw);
  const pkcs8 = identity.privateKey.export({ type: "pkcs8", format: "der" });
  try {
    const localKeyId = createHash("sha1").update(identity.certificate.der).digest();
    const leafAttributes = {
      ...(options.friendlyName !== undefined ? { friendlyName: options.friendlyName } : {}),
      localKeyId,
    };
    const keyScheme = scheme();
    const keyBag = encodeSafeBag(
      OID.pkcs8ShroudedKeyBag,
      encodeEncryptedPrivateKeyInfo(keyScheme, pbeEncrypt(keyScheme, input(keyScheme), pkcs8)),
      leafAttributes,
    );
    const certBags = [
      encodeSafeBag(OID.certBag, encodeCertBagValue(identity.certificate.der), leafAttributes),
      ...identity.chain.map((c) => encodeSafeBag(OID.certBag, encodeCertBagValue(c.der))),
    ];
    const certScheme = scheme();
    const certContainer = der.sequence(
      der.oid(OID.encryptedData),
      der.explicit(
        0,
        der.sequence(
          der.integer(0),
          der.sequence(
            der.oid(OID.data),
            encodePbeAlgorithm(certScheme),
            der.implicitPrimitive(0, pbeEncrypt(certScheme, input(certScheme), der.sequence(...certBags))),
          ),
        ),
      ),
    );
    const keyContainer = der.sequence(
      der.oid(OID.data),
      der.explicit(0, der.octetString(der.sequence(keyBag))),
    );
    const authSafe = der.sequence(certContainer, keyContainer);
    const macDigest = digestByName(legacy ? "SHA-1" : "SHA-256");
    if (!macDigest) throw new CoreError("invalid-argument", "MAC digest missing from the registry");
    return der.sequence(
      der.integer(3),
      der.sequence(der.oid(OID.data), der.explicit(0, der.octetString(authSafe))),
      encodeMacData(macDigest, authSafe, bmp, iterations),
    );
  } finally {
    pkcs8.fill(0);
    raw.fill(0);
    bmp.fill(0);
  }
}
