"use client";

import { ImageOff } from "lucide-react";
import { useEffect, useState } from "react";
import { Alert, Button } from "~/components/ui/controls";
import type { SanitizedMessage } from "./sanitize-html";

const FRAME = "block h-[70vh] min-h-80 w-full rounded-md border border-slate-200 bg-white";

/**
 * An HTML body: sanitised in the browser, then shown ONLY inside a sandboxed frame with no
 * scripts and an opaque origin (no allow-scripts, no allow-same-origin), never in our own
 * page. Remote content stays blocked until the reader allows it for this message.
 */
export function HtmlBody({ html }: { html: string }) {
  const [allowRemote, setAllowRemote] = useState(false);
  const [result, setResult] = useState<{ doc: SanitizedMessage | null; error: string | null } | null>(null);

  useEffect(() => {
    let live = true;
    // The sanitiser (DOMPurify) loads with the first HTML message, not with the page.
    import("./sanitize-html")
      .then(({ sanitizeMessageHtml }) => {
        if (live) setResult({ doc: sanitizeMessageHtml(html, { allowRemote }), error: null });
      })
      .catch((error: unknown) => {
        if (live) setResult({ doc: null, error: error instanceof Error ? error.message : String(error) });
      });
    return () => {
      live = false;
    };
  }, [html, allowRemote]);

  if (result?.error) return <Alert>This HTML message cannot be shown safely: {result.error}</Alert>;
  const doc = result?.doc;
  return (
    <div className="flex flex-col gap-2">
      {doc && doc.blocked > 0 && !allowRemote && (
        <div className="flex flex-wrap items-center gap-x-3 gap-y-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-950">
          <ImageOff aria-hidden className="h-4 w-4 shrink-0" />
          <span className="font-medium">Remote content is blocked</span>{" "}
          <span className="text-amber-900">
            ({doc.blocked} {doc.blocked === 1 ? "item" : "items"} from other servers)
          </span>
          <Button onClick={() => setAllowRemote(true)}>Show Remote Content</Button>
        </div>
      )}
      {doc ? (
        <iframe
          // No scripts, no same origin; a link the reader clicks opens in a new tab outside the sandbox.
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          title="Message content"
          srcDoc={doc.srcDoc}
          referrerPolicy="no-referrer"
          className={FRAME}
        />
      ) : (
        <div aria-hidden className={`${FRAME} animate-pulse bg-slate-100`} />
      )}
    </div>
  );
}
