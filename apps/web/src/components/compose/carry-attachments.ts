/**
 * The original's attachments as files (forward, reopened draft), fetched from the download
 * route with the session's key access, so they go out again with the new message.
 */
export async function carryAttachments(
  messageId: string,
  carry: Array<{ index: number; filename: string; contentType: string }>,
): Promise<{ files: File[]; failed: string[] }> {
  const files: File[] = [];
  const failed: string[] = [];
  for (const a of carry) {
    try {
      const res = await fetch(`/api/attachments/${encodeURIComponent(messageId)}/${a.index}`, {
        credentials: "same-origin",
      });
      if (!res.ok) throw new Error(String(res.status));
      files.push(new File([await res.blob()], a.filename, { type: a.contentType }));
    } catch {
      failed.push(a.filename);
    }
  }
  return { files, failed };
}
