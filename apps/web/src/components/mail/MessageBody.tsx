import { HtmlBody } from "./HtmlBody";

/** Text bodies wrap in a pre-like block; HTML bodies go to the sandboxed frame only. */
export function MessageBody({ text, html }: { text: string | null; html: string | null }) {
  if (html) return <HtmlBody html={html} />;
  if (text)
    return (
      <pre className="font-sans text-sm leading-relaxed whitespace-pre-wrap text-slate-900 [overflow-wrap:anywhere]">
        {text}
      </pre>
    );
  return <p className="text-sm text-slate-500 italic">This message has no text.</p>;
}
