/**
 * Message bytes out of PostgreSQL without hex. node-postgres reads every result value as text
 * (its protocol reader decodes even binary-format values as UTF-8, so binary results would be
 * corrupted), which makes a bytea arrive as hex: 2 MiB of text and a decode per 1 MiB chunk.
 * `COPY (SELECT …) TO STDOUT (FORMAT binary)` sends the bytes as they are, as CopyData
 * messages. Kysely runs the statement like any other; the store's pg client wrapper
 * (open-store.ts) recognises the marker and runs it as a COPY, returning the value as a row.
 */
export const COPY_BINARY_MARKER = "/* sealbox:copy-binary */";

/** Ids that can be written into SQL text as they are (ours are UUIDs): no quote, no backslash. */
const PLAIN_ID = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * The COPY that sends one chunk's bytes, or undefined when the id cannot be written into the
 * text safely (the caller then selects the chunk as usual). COPY takes no bind parameters, so
 * the values are written into the text: only a plain id and a whole number are.
 */
export function copyChunkSql(blobId: string, seq: number): string | undefined {
  if (!PLAIN_ID.test(blobId) || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  return (
    `${COPY_BINARY_MARKER} copy (select data from message_blob_chunks ` +
    `where blob_id = '${blobId}' and seq = ${seq}) to stdout (format binary)`
  );
}

/** The COPY that sends a job's payload (a small outgoing message inline), or undefined as above. */
export function copyJobPayloadSql(jobId: string): string | undefined {
  if (!PLAIN_ID.test(jobId)) return undefined;
  return `${COPY_BINARY_MARKER} copy (select payload from jobs where id = '${jobId}') to stdout (format binary)`;
}

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/** The values of a one-column COPY binary stream (PostgreSQL's "Binary Format" of COPY), in order. */
export function parseCopyBinary(data: Buffer): Array<Buffer | null> {
  if (data.length < SIGNATURE.length + 8 || !data.subarray(0, SIGNATURE.length).equals(SIGNATURE))
    throw new Error("not a PostgreSQL binary COPY stream");
  let at = SIGNATURE.length + 4; // flags
  at += 4 + data.readUInt32BE(at); // header extension
  const values: Array<Buffer | null> = [];
  for (;;) {
    if (at + 2 > data.length) throw new Error("a binary COPY stream cut short");
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) return values;
    if (fields !== 1) throw new Error(`a binary COPY row of ${fields} fields, expected 1`);
    if (at + 4 > data.length) throw new Error("a binary COPY stream cut short");
    const length = data.readInt32BE(at);
    at += 4;
    if (length === -1) {
      values.push(null);
      continue;
    }
    if (at + length > data.length) throw new Error("a binary COPY stream cut short");
    values.push(data.subarray(at, at + length));
    at += length;
  }
}

interface PgConnection {
  query(text: string): void;
}

/**
 * A node-postgres "submittable" (what `client.query` accepts besides text): sends the COPY
 * as a simple query, gathers its CopyData and settles when the server is ready again.
 */
class CopyOutQuery {
  private readonly parts: Buffer[] = [];
  private error: Error | undefined;
  readonly done: Promise<Buffer>;
  private settle!: { resolve: (b: Buffer) => void; reject: (e: Error) => void };

  constructor(private readonly text: string) {
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    this.parts.push(message.chunk);
  }

  handleCommandComplete(): void {}

  // At once, as pg's own queries do: a lost connection sends no ReadyForQuery after it.
  handleError(error: Error): void {
    this.error = error;
    this.settle.reject(error);
  }

  handleReadyForQuery(): void {
    if (!this.error) this.settle.resolve(Buffer.concat(this.parts));
  }
}

/** Runs a marked COPY on a pg client; its values come back as rows of `data`, as a SELECT's would. */
export async function runCopyBinary(
  client: { query(submittable: unknown): unknown },
  text: string,
): Promise<{ rows: Array<{ data: Buffer | null }>; rowCount: number; command: string }> {
  const query = new CopyOutQuery(text);
  client.query(query);
  const values = parseCopyBinary(await query.done);
  return { rows: values.map((data) => ({ data })), rowCount: values.length, command: "COPY" };
}
