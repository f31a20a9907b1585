import { CoreError } from "../../errors.js";
import type { ContentSource } from "./types.js";

export interface ContentSink {
  update(chunk: Uint8Array): void;
}

/**
 * Pushes content through every sink (hashes, streaming verifiers/signers) in one pass, so a
 * 50 MB detached body is read once however many digests the signers need. `keep` returns the
 * chunks (for the encapsulated form, which must write them out).
 */
export async function feedContent(
  content: ContentSource,
  sinks: readonly ContentSink[],
  keep = false,
): Promise<Uint8Array[]> {
  if (content instanceof Uint8Array) {
    for (const sink of sinks) sink.update(content);
    return keep ? [content] : [];
  }
  if (content === null || typeof content !== "object" || !(Symbol.asyncIterator in content))
    throw new CoreError("invalid-argument", "content must be a Uint8Array or an AsyncIterable of them");
  const kept: Uint8Array[] = [];
  for await (const chunk of content) {
    if (!(chunk instanceof Uint8Array))
      throw new CoreError("invalid-argument", "content stream yielded something other than bytes");
    if (chunk.length === 0) continue;
    for (const sink of sinks) sink.update(chunk);
    if (keep) kept.push(chunk);
  }
  return kept;
}
