import { expect } from "vitest";
import { cipherByOid, OID } from "../../algorithms.js";
import type { MessageClass } from "../classify-message.js";
import { run } from "./pki.js";

/**
 * What `openssl cms -cmsout -print` says about a message's outer CMS, reduced to what a
 * classification claims: the ContentInfo type, the contentEncryptionAlgorithm (with RC2's
 * rc2ParameterVersion) and whether SignedData holds eContent. Null when openssl cannot read it.
 */
export interface OpensslCmsView {
  contentType: string;
  cipherOid: string | null;
  /** The registry name for that OID (RC2 by its effective bits), null when core has none. */
  cipherName: string | null;
  eContentAbsent: boolean;
}

/** RFC 3370 §5.2 / RFC 2268 §6: rc2ParameterVersion → effective key bits. */
const RC2_BITS: Readonly<Record<number, number>> = { 160: 40, 120: 64, 58: 128 };

export function opensslCmsView(input: Uint8Array, form: "SMIME" | "DER" = "SMIME"): OpensslCmsView | null {
  const r = run("openssl", ["cms", "-cmsout", "-print", "-inform", form], { input });
  if (!r.ok) return null;
  const text = r.stdout.toString("latin1");
  const type = /^ {2}contentType: .*\(([\d.]+)\)$/m.exec(text)?.[1];
  if (!type) throw new Error(`openssl printed no contentType:\n${text.slice(0, 400)}`);
  const alg =
    /contentEncryptionAlgorithm: *\n +algorithm: .*\(([\d.]+)\)\n(?: +parameter: .*\n)?(?: +0:d=0 .*\n +2:d=1 .* INTEGER +:([0-9A-F]+))?/.exec(
      text,
    );
  const cipherOid = alg?.[1] ?? null;
  const rc2Version = alg?.[2] === undefined ? undefined : Number.parseInt(alg[2], 16);
  const bits = rc2Version === undefined ? undefined : (RC2_BITS[rc2Version] ?? rc2Version);
  return {
    contentType: type,
    cipherOid,
    cipherName: cipherOid ? (cipherByOid(cipherOid, bits)?.name ?? null) : null,
    eContentAbsent: /eContent: <ABSENT>/.test(text),
  };
}

/** What openssl's reading of the outer CMS means for each field of a classification. */
export function expectAgreement(c: MessageClass, v: OpensslCmsView, multipartSigned: boolean): void {
  if (v.contentType === OID.envelopedData || v.contentType === OID.authEnvelopedData) {
    expect(c).toMatchObject({
      kind: v.contentType === OID.envelopedData ? "encrypted" : "auth-encrypted",
      basis: "cms",
      contentType: v.contentType,
      cipherOid: v.cipherOid,
      cipher: v.cipherName,
    });
  } else if (v.contentType === OID.signedData) {
    if (multipartSigned) expect(c).toMatchObject({ kind: "signed", form: "detached" });
    else if (v.eContentAbsent) expect(c).toMatchObject({ kind: "plain", contentType: OID.signedData });
    else expect(c).toMatchObject({ kind: "signed", form: "opaque", contentType: OID.signedData });
  } else {
    expect(c).toMatchObject({ kind: "plain", contentType: v.contentType });
  }
}
