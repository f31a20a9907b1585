/**
 * The security headers of every API response (the page proxy does not run for /api): a
 * policy that allows nothing at all — an API response is data, never a document to render.
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

/**
 * The public CA certificate and CRL (/pki/…, no login): the same policy; relying parties may
 * keep a copy but must ask again before using it (a revocation shows at once).
 */
export const PKI_HEADERS: Readonly<Record<string, string>> = {
  ...API_HEADERS,
  "cache-control": "no-cache",
};
