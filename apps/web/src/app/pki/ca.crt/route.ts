import { pkiResponse } from "~/server/pki-response";

export const dynamic = "force-dynamic";

/** The server CA's certificate, DER, without login (what signatures and the CRL chain to). */
export function GET() {
  return pkiResponse(
    async (store) => (await store.ca.ensure()).certificate.der,
    "application/pkix-cert",
    "ca.crt",
  );
}
