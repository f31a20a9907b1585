import { generateKeyPairSync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { digestByName, OID } from "../algorithms.js";
import { der } from "../asn1/index.js";
import { createCa } from "../ca/create-ca.js";
import { issueUserCertificate } from "../ca/issue-user-certificate.js";
import { encodeEncryptedPrivateKeyInfo } from "./encrypted-private-key-info.js";
import { importPfx } from "./import-pfx.js";
import { passwordForms } from "./password-forms.js";
import { pbeEncrypt } from "./pbe-cipher.js";
import { newPkcs12Pbe } from "./pbe-scheme.js";
import { encodeMacData } from "./pfx-mac.js";
import { encodeCertBagValue, encodeSafeBag } from "./safe-bags.js";

describe("passwordForms (SMIME-NOTES §6.2)", () => {
  it("lists the encodings writers have used, most likely first", () => {
    expect(passwordForms("abc").map((f) => f.label)).toEqual(["standard"]);
    expect(passwordForms("").map((f) => [f.label, f.bmp.toString("hex")])).toEqual([
      ["standard", "0000"],
      ["no-password", ""],
    ]);
    const nfd = passwordForms("e\u0301");
    expect(nfd.map((f) => f.label)).toEqual(["standard", "as-typed", "legacy-utf8-bytes"]);
    expect(nfd[0]?.raw.toString("utf8")).toBe("é");
    expect(passwordForms("é").map((f) => f.label)).toEqual(["standard", "nfd", "legacy-utf8-bytes"]);
    expect(nfd[2]?.bmp.toString("hex")).toBe("00c300a90000");
  });

  it("opens a file keyed with OpenSSL's 'no password' (NULL, 0) form when given \"\"", async () => {
    // OpenSSL 3.0 and NSS 3.87 both write "" as BMP 00 00; PKCS12_create(NULL, …) from code writes an
    // empty password input instead. No CLI peer makes one, so it is assembled here from our parts.
    const ca = await createCa({ name: "Forms CA", keyAlgorithm: "EC-P256" });
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const user = await issueUserCertificate(ca, { email: "null@example.test", publicKey: privateKey });
    const none = Buffer.alloc(0);
    const keyScheme = newPkcs12Pbe(OID.pbeWithShaAnd3KeyTripleDesCbc, randomBytes(8), 2048);
    const keyBag = encodeSafeBag(
      OID.pkcs8ShroudedKeyBag,
      encodeEncryptedPrivateKeyInfo(
        keyScheme,
        pbeEncrypt(keyScheme, none, privateKey.export({ type: "pkcs8", format: "der" })),
      ),
    );
    const certBag = encodeSafeBag(OID.certBag, encodeCertBagValue(user.certificate.der));
    const data = (bags: Uint8Array[]) =>
      der.sequence(der.oid(OID.data), der.explicit(0, der.octetString(der.sequence(...bags))));
    const authSafe = der.sequence(data([certBag]), data([keyBag]));
    const pfx = der.sequence(
      der.integer(3),
      der.sequence(der.oid(OID.data), der.explicit(0, der.octetString(authSafe))),
      encodeMacData(
        digestByName("SHA-1") as NonNullable<ReturnType<typeof digestByName>>,
        authSafe,
        none,
        2048,
      ),
    );
    const result = importPfx(pfx, "");
    expect(result.identity.certificate.sha256).toBe(user.certificate.sha256);
    expect(result.notes.join(" ")).toContain("no-password");
    expect(() => importPfx(pfx, "x")).toThrow(expect.objectContaining({ code: "wrong-password" }));
  });
});
