import { OID } from "../algorithms.js";
import { der } from "../asn1/index.js";
import { CoreError } from "../errors.js";
import { type Pbes2, type Pkcs12Pbe, PRF_OID_BY_DIGEST } from "./pbe-scheme.js";

/** The DER AlgorithmIdentifier for a scheme we write (PKCS#12 PBE or PBES2). */
export function encodePbeAlgorithm(scheme: Pkcs12Pbe | Pbes2): Uint8Array {
  if (scheme.kind === "pkcs12")
    return der.algorithmIdentifier(
      scheme.oid,
      der.sequence(der.octetString(scheme.salt), der.integer(scheme.iterations)),
    );
  const k = scheme.kdf;
  const kdf =
    k.kind === "pbkdf2"
      ? der.algorithmIdentifier(
          OID.pbkdf2,
          der.sequence(
            der.octetString(k.salt),
            der.integer(k.iterations),
            ...(k.keyLength !== undefined ? [der.integer(k.keyLength)] : []),
            der.algorithmIdentifier(PRF_OID_BY_DIGEST[k.prf.name] ?? OID.hmacWithSha256, der.nullValue()),
          ),
        )
      : der.algorithmIdentifier(
          OID.scrypt,
          der.sequence(
            der.octetString(k.salt),
            der.integer(k.n),
            der.integer(k.r),
            der.integer(k.p),
            ...(k.keyLength !== undefined ? [der.integer(k.keyLength)] : []),
          ),
        );
  if (scheme.cipher.node === null)
    throw new CoreError("invalid-argument", "Sealbox does not write RC2 (RFC 8018 B.2.3 is read-only here)");
  return der.algorithmIdentifier(
    OID.pbes2,
    der.sequence(kdf, der.algorithmIdentifier(scheme.cipher.oid, der.octetString(scheme.iv))),
  );
}
