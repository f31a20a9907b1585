import { API_HEADERS } from "~/server/api-headers";
import { attachmentDisposition, safeFileName } from "~/server/content-disposition";
import { storeErrorCode } from "~/server/errors";
import { sessionOf } from "~/server/request-context";
import { getStore } from "~/server/store";

export const dynamic = "force-dynamic";

/**
 * The message as stored, byte for byte (an encrypted message stays encrypted: it is what
 * another S/MIME client opens), always a download. Streamed from the store a chunk at a time,
 * so a 64 MiB message never sits whole in the web process; the length is known up front.
 */
export async function GET(req: Request, context: { params: Promise<{ messageId: string }> }) {
  const { messageId } = await context.params;
  const store = await getStore();
  const { session } = await sessionOf(store, req.headers);
  if (!session) return new Response("Sign in first.", { status: 401, headers: API_HEADERS });
  try {
    const summary = await store.messages.get(session.account.id, messageId);
    const { size, stream } = await store.messages.rawStream(session.account.id, messageId);
    const chunks = stream[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return?.();
      },
    });
    return new Response(body, {
      headers: {
        ...API_HEADERS,
        "content-type": "message/rfc822",
        "content-length": String(size),
        "content-disposition": attachmentDisposition(`${safeFileName(summary.subject) || "message"}.eml`),
      },
    });
  } catch (error) {
    const code = storeErrorCode(error);
    if (code === "not-found" || code === "invalid-argument")
      return new Response("No such message.", { status: 404, headers: API_HEADERS });
    throw error;
  }
}
