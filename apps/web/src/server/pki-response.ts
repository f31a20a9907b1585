import { PKI_HEADERS } from "./api-headers";
import { storeErrorCode } from "./errors";
import { getStore } from "./store";

/**
 * A public PKI file (the CA certificate, the CRL) in DER with its media type (RFC 2585 §4):
 * what external mail clients fetch from the distribution point in issued certificates.
 */
export async function pkiResponse(
  make: (store: Awaited<ReturnType<typeof getStore>>) => Promise<Uint8Array>,
  type: "application/pkix-cert" | "application/pkix-crl",
  filename: string,
): Promise<Response> {
  try {
    const der = await make(await getStore());
    return new Response(Buffer.from(der), {
      headers: {
        ...PKI_HEADERS,
        "content-type": type,
        "content-disposition": `attachment; filename="${filename}"`,
      },
    });
  } catch (error) {
    // No server secret, or one that does not open the CA key: say so, without details.
    if (storeErrorCode(error) === "unavailable")
      return new Response("The server CA is not available.", { status: 503, headers: PKI_HEADERS });
    throw error;
  }
}
