import { fileToBase64 } from "~/components/ui/errors";

/** The largest attachment the server takes (compose router). */
const ATTACHMENT_MAX = 25 * 1024 * 1024;

/** Chosen files as the compose procedures take them; a file too large is named. */
export async function encodeAttachments(files: File[]) {
  const tooLarge = files.filter((f) => f.size > ATTACHMENT_MAX).map((f) => f.name);
  if (tooLarge.length > 0)
    throw new Error(`Attachments are at most 25 MB each: ${tooLarge.join(", ")} is larger.`);
  return Promise.all(
    files.map(async (f) => ({
      filename: f.name || "attachment",
      contentType: f.type || "application/octet-stream",
      content: await fileToBase64(f),
    })),
  );
}
