import { API_HEADERS } from "~/server/api-headers";
import { storeErrorCode } from "~/server/errors";
import { sessionOf } from "~/server/request-context";
import { getStore } from "~/server/store";

export const dynamic = "force-dynamic";

/** A file name from the subject: no path or control characters, bounded, always ".eml". */
function emlName(subject: string): string {
  const cleaned = [...subject]
    .map((c) => (c.charCodeAt(0) < 0x20 || c === "\u007f" || '/\\:*?"<>|'.includes(c) ? " " : c))
    .join("")
    .replace(/\s+/g, " ")
    .trim();
  // Cut at a code point, never inside a surrogate pair.
  const base = [...cleaned].slice(0, 80).join("").trim();
  return `${base || "message"}.eml`;
}

/** RFC 6266 filename, ASCII fallback plus the UTF-8 form. */
function disposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

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
        "content-disposition": disposition(emlName(summary.subject)),
      },
    });
  } catch (error) {
    const code = storeErrorCode(error);
    if (code === "not-found" || code === "invalid-argument")
      return new Response("No such message.", { status: 404, headers: API_HEADERS });
    throw error;
  }
}
