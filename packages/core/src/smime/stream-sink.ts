/**
 * Where openMessageStream writes the innermost content: a function, a Node Writable (its
 * back-pressure is honoured via "drain"), or a WHATWG WritableStream.
 */
export type ContentSink =
  | ((chunk: Uint8Array) => void | Promise<void>)
  | { write(chunk: Uint8Array): boolean; once(event: "drain", listener: () => void): unknown }
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
    write = (chunk) => {
      if (!sink.write(chunk)) return new Promise<void>((resolve) => void sink.once("drain", resolve));
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
