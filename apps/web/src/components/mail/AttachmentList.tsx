import { Download, Paperclip } from "lucide-react";
import { fileSize } from "./mail-format";
import type { AttachmentData } from "./types";

/** Each attachment with its size and a download link (always a download, never shown in the page). */
export function AttachmentList({
  messageId,
  attachments,
}: {
  messageId: string;
  attachments: AttachmentData[];
}) {
  if (attachments.length === 0) return null;
  return (
    <section aria-labelledby={`attachments-${messageId}`} className="flex flex-col gap-2">
      <h3 id={`attachments-${messageId}`} className="flex items-center gap-1.5 text-sm font-semibold">
        <Paperclip aria-hidden className="h-4 w-4" />
        Attachments
      </h3>
      <ul className="flex flex-col gap-1.5">
        {attachments.map((a) => (
          <li
            key={a.index}
            className="flex flex-col rounded-md border border-slate-200 bg-white px-3 py-2 text-sm"
          >
            <span className="flex flex-wrap items-center gap-x-3">
              <a
                href={`/api/attachments/${encodeURIComponent(messageId)}/${a.index}`}
                download={a.filename}
                className="flex min-w-0 items-center gap-1.5 font-medium text-blue-800 underline [overflow-wrap:anywhere]"
              >
                <Download aria-hidden className="h-4 w-4 shrink-0" />
                {a.filename}
              </a>{" "}
              <span className="text-slate-500">
                {fileSize(a.size)}, {a.contentType}
              </span>
            </span>
            {a.smime && (
              <span className="mt-1 text-xs text-slate-600">
                An encrypted or signed part inside a message is not opened in line; download it to open it on
                its own.
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
