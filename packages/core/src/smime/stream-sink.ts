import { type EventEmitter, once } from "node:events";

/**
 * Where openMessageStream writes the innermost content: a function, a Node Writable (its
 * back-pressure is honoured via "drain"), or a WHATWG WritableStream.
 */
export type ContentSink =
  | ((chunk: Uint8Array) => void | Promise<void>)
  | (EventEmitter & { write(chunk: Uint8Array): boolean })
  | WritableStream<Uint8Array>;

export interface SinkWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly bytes: number;
  /** Lets go of a WritableStream's writer (the stream itself is the caller's to close). */
  release(): void;
}

export function sinkWriter(sink: ContentSink | undefined): SinkWriter {
  let bytes = 0;
  let write: (chunk: Uint8Array) => void | Promise<void> = () => {};
  let release = (): void => {};
  if (typeof sink === "function") {
    write = sink;
  } else if (sink && "getWriter" in sink) {
    const writer = sink.getWriter();
    write = async (chunk) => {
      await writer.ready;
      await writer.write(chunk);
    };
    release = () => writer.releaseLock();
  } else if (sink) {
    write = async (chunk) => {
      // events.once also rejects on "error" and removes its listeners either way.
      if (!sink.write(chunk)) await once(sink, "drain");
    };
  }
  return {
    async write(chunk) {
      if (chunk.length === 0) return;
      bytes += chunk.length;
      await write(chunk);
    },
    get bytes() {
      return bytes;
    },
    release,
  };
}
