import { API_HEADERS } from "~/server/api-headers";
import { attachmentDisposition } from "~/server/content-disposition";
import { storeErrorCode } from "~/server/errors";
import { sessionOf } from "~/server/request-context";
import { getStore } from "~/server/store";

export const dynamic = "force-dynamic";

/**
 * Attachments are always downloads: Content-Disposition attachment, nosniff, and a type a
 * browser will not render (an HTML or SVG attachment must never run on our origin).
 * The bytes come from the opened, parsed message, not streamed from storage: an attachment
 * is reached only after decryption and MIME parsing of the whole message (the reading view
 * does the same), and the web serves no whole-message download.
 */
export async function GET(req: Request, context: { params: Promise<{ messageId: string; index: string }> }) {
  const { messageId, index } = await context.params;
  const store = await getStore();
  const { token, session } = await sessionOf(store, req.headers);
  if (!session || !token) return new Response("Sign in first.", { status: 401, headers: API_HEADERS });
  const n = Number(index);
  if (!Number.isInteger(n) || n < 0)
    return new Response("No such attachment.", { status: 404, headers: API_HEADERS });
  try {
    const a = await store.reading.attachment(session.account.id, messageId, n, {
      ...(session.account.smimeEnabled ? { access: { sessionToken: token } } : {}),
    });
    return new Response(Buffer.from(a.content), {
      headers: {
        ...API_HEADERS,
        "content-type": "application/octet-stream",
        "content-disposition": attachmentDisposition(a.filename),
      },
    });
  } catch (error) {
    const code = storeErrorCode(error);
    if (code === "not-found" || code === "invalid-argument")
      return new Response("No such attachment.", { status: 404, headers: API_HEADERS });
    if (code === "locked")
      return new Response("Secure Mail is locked: unlock it, then download again.", {
        status: 423,
        headers: API_HEADERS,
      });
    throw error;
  }
}
