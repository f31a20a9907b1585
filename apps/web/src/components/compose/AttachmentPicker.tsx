"use client";

import { Paperclip } from "lucide-react";
import { Button, Field } from "~/components/ui/controls";

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The Attach file input (several files at once) and the chosen files, each with Remove. */
export function AttachmentPicker({ files, onChange }: { files: File[]; onChange(files: File[]): void }) {
  return (
    <div className="flex flex-col gap-2">
      <Field
        label="Attach"
        type="file"
        multiple
        onChange={(e) => {
          const chosen = Array.from(e.target.files ?? []);
          // Cleared so the same file can be chosen again after Remove.
          e.target.value = "";
          if (chosen.length > 0) onChange([...files, ...chosen]);
        }}
      />
      {files.length > 0 && (
        <ul className="flex flex-col gap-1">
          {files.map((file, i) => (
            <li
              key={i}
              className="flex min-w-0 items-center gap-2 rounded-md border border-slate-200 bg-slate-50 px-2 py-1 text-sm"
            >
              <Paperclip aria-hidden className="h-4 w-4 shrink-0 text-slate-500" />
              <span className="min-w-0 flex-1 truncate" title={file.name}>
                {file.name}
              </span>
              <span className="shrink-0 text-xs text-slate-500">{sizeText(file.size)}</span>
              <Button onClick={() => onChange(files.filter((_, j) => j !== i))}>Remove</Button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
