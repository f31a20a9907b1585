import { pkiResponse } from "~/server/pki-response";

export const dynamic = "force-dynamic";

/**
 * The server CA's current CRL, DER, without login: the CRL distribution point issued
 * certificates name (SEALBOX_PUBLIC_URL/pki/ca.crl). Made anew only when it changed.
 */
export function GET() {
  return pkiResponse((store) => store.ca.publishedCrl(), "application/pkix-crl", "ca.crl");
}
