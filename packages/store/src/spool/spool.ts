import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { constants, type FileHandle, mkdir, open, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * The delivery spool (SMTP DATA, `sealbox deliver`'s stdin): each message is written, as it arrives, to its own file under
 * `<data folder>/spool/`, encrypted under a fresh random AES-256 key that lives only in this
 * process's memory. So a message a Store Encrypted rule takes never rests on disk in
 * plaintext, even here, and a crash (kill -9, power loss) leaves only files nobody can read:
 * the client never got its 250 and retries; the next start removes them (`cleanSpool`).
 *
 * File format: records of up to RECORD_BYTES plaintext, each `u32 length ‖ AES-256-GCM
 * ciphertext ‖ 16-byte tag`. The nonce is the record number (never reused: one key per file);
 * the additional data is the record number and a last-record flag, so reordered, dropped,
 * truncated or altered records fail to read (the last record, possibly empty, says "end").
 */
export const RECORD_BYTES = 64 * 1024;
/**
 * Messages up to this size stay in memory instead of the spool (the `memoryBelow` callers
 * pass): most mail is far smaller, and a file per message would cost a create, writes, reads
 * and an unlink each. Memory stays bounded: this much per open transaction at most.
 */
export const SPOOL_MEMORY_BELOW = 256 * 1024;
const TAG_BYTES = 16;
const LENGTH_BYTES = 4;

export class SpoolError extends Error {
  override readonly name = "SpoolError";
}

/** The spool folder of a data folder, created owner-only if missing (`sealbox deliver`). */
export async function spoolDir(dataDir: string): Promise<string> {
  const dir = join(dataDir, "spool");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Creates the spool folder and removes what a crash left in it (the worker, at start). Each
 * file is named after the process writing it, so only files of processes that are gone go:
 * another worker on the same data folder, or a `sealbox deliver` spooling at that moment,
 * keeps its own. A name without a process id is a leftover too.
 */
export async function cleanSpool(dataDir: string): Promise<{ dir: string; removed: number }> {
  const dir = await spoolDir(dataDir);
  let removed = 0;
  for (const name of await readdir(dir)) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1] ?? Number.NaN);
    if (Number.isSafeInteger(pid) && pid !== process.pid && processIsAlive(pid)) continue;
    await rm(join(dir, name), { force: true, recursive: true });
    removed++;
  }
  return { dir, removed };
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else (it still holds its key in memory).
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface SpoolWriteOptions {
  /** The spool folder (from cleanSpool). */
  dir: string;
  /** Bytes written in front of the data (the Received: header); count toward `size`. */
  prefix: Uint8Array;
  /** Largest message (data bytes, prefix excluded) accepted; more is read to the end and refused. */
  maxBytes: number;
  /** How many leading bytes to keep in memory as well (the header block for the rules). */
  keepHead: number;
  /** Asked before each chunk is written: false refuses the message as "busy" (data is then read to the end). */
  reserve: (bytes: number) => boolean;
  /**
   * A message (prefix included) up to this many bytes stays in memory and never touches the
   * disk (the common 50 KB mail costs no file); the first byte past it starts the file.
   * Default 0: always a file.
   */
  memoryBelow?: number;
}

/** A spooled message's file and key, or its bytes (SpooledMessage.location). */
export type SpoolLocation = { path: string; key: Buffer } | { bytes: Buffer };

export type SpoolResult =
  | { ok: true; message: SpooledMessage }
  | { ok: false; reason: "too-big" | "busy"; bytes: number };

/**
 * A spooled message: its first bytes in memory, the whole re-readable from the encrypted file
 * (or, for a small one, from memory).
 */
export class SpooledMessage {
  readonly #path: string | undefined;
  #key: Buffer;
  #bytes: Buffer | undefined;
  #removed = false;
  constructor(
    where: SpoolLocation,
    readonly head: Uint8Array,
    readonly size: number,
  ) {
    this.#path = "path" in where ? where.path : undefined;
    this.#key = "key" in where ? where.key : Buffer.alloc(0);
    this.#bytes = "bytes" in where ? where.bytes : undefined;
  }

  /** Whether the message went to a file (false: small enough to stay in memory). */
  get onDisk(): boolean {
    return this.#path !== undefined;
  }

  /**
   * Where the message is, for a thread of this same process to read it (the worker's delivery
   * thread): the file and its key, or the bytes. The key is copied, never written anywhere;
   * the receiver zeroes its copy when done. Only this object removes the file.
   */
  location(): SpoolLocation {
    if (this.#removed) throw new SpoolError("the spooled message was removed");
    return this.#path === undefined
      ? { bytes: this.#bytes as Buffer }
      : { path: this.#path, key: Buffer.from(this.#key) };
  }

  /** The message from its first byte, decrypted record by record; each call reads the file again. */
  open(): AsyncIterable<Uint8Array> {
    if (this.#removed) throw new SpoolError("the spooled message was removed");
    if (this.#path === undefined) return inMemory(this.#bytes as Buffer);
    return readRecords(this.#path, this.#key);
  }

  /** Deletes the file and forgets the key (idempotent). */
  async remove(): Promise<void> {
    if (this.#removed) return;
    this.#removed = true;
    this.#key.fill(0);
    this.#key = Buffer.alloc(0);
    this.#bytes = undefined;
    if (this.#path !== undefined) await rm(this.#path, { force: true });
  }
}

async function* inMemory(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * Reads the DATA stream into a new spool file. Over `maxBytes` (RFC 1870, answered 552) or
 * past the budget (452, RFC 5321 §4.5.3.1.10) the file is removed at once and the rest of the
 * data is read and dropped, so the reply comes after the client's final dot as SMTP wants.
 * Memory: one record plus `keepHead` bytes, whatever the message size.
 */
export async function spoolMessage(
  stream: AsyncIterable<Uint8Array>,
  options: SpoolWriteOptions,
): Promise<SpoolResult> {
  const key = randomBytes(32);
  const path = join(
    options.dir,
    `${process.pid}-${Date.now().toString(36)}-${randomBytes(12).toString("hex")}.spool`,
  );
  const head: Buffer[] = [];
  let headBytes = 0;
  let size = 0;
  let refused: "too-big" | "busy" | undefined;
  /** A write that failed (disk full): the data is still read to the end, then this is thrown. */
  let failure: { error: unknown } | undefined;
  let file: FileHandle | undefined;
  let writer: RecordWriter | undefined;
  const keep = (chunk: Buffer) => {
    if (headBytes >= options.keepHead) return;
    const part = chunk.subarray(0, options.keepHead - headBytes);
    head.push(Buffer.from(part));
    headBytes += part.length;
  };
  const abandon = async () => {
    await file?.close().catch(() => {});
    file = undefined;
    await rm(path, { force: true });
  };
  const attempt = async (write: () => Promise<void>) => {
    if (refused || failure) return;
    try {
      await write();
    } catch (error) {
      failure = { error };
      await abandon();
    }
  };
  const memoryBelow = options.memoryBelow ?? 0;
  /** Bytes held while the message still fits in memory; null once the file is started. */
  let pending: Buffer[] | null = [];
  let pendingBytes = 0;
  const startFile = () =>
    attempt(async () => {
      // O_EXCL: never write into a file someone prepared for us (a link, a FIFO).
      file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      writer = new RecordWriter(file, key);
      for (const part of pending ?? []) await writer.push(part);
      pending = null;
    });
  const take = async (chunk: Buffer) => {
    keep(chunk);
    if (pending && pendingBytes + chunk.length <= memoryBelow) {
      pending.push(Buffer.from(chunk));
      pendingBytes += chunk.length;
      return;
    }
    if (pending) {
      pending.push(chunk);
      await startFile();
      return;
    }
    await attempt(async () => {
      await writer?.push(chunk);
    });
  };
  try {
    await take(Buffer.from(options.prefix));
    for await (const data of stream) {
      const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      size += chunk.length;
      if (refused || failure) continue; // read to the end before answering
      if (size > options.maxBytes) refused = "too-big";
      else if (!options.reserve(chunk.length)) refused = "busy";
      if (refused) {
        pending = null;
        await abandon();
        continue;
      }
      await take(chunk);
    }
    if (refused) return { ok: false, reason: refused, bytes: size };
    if (failure) throw failure.error;
    const total = options.prefix.length + size;
    if (pending) {
      key.fill(0);
      const bytes = Buffer.concat(pending, pendingBytes);
      return { ok: true, message: new SpooledMessage({ bytes }, bytes.subarray(0, options.keepHead), total) };
    }
    await attempt(async () => {
      await writer?.end();
      await file?.close();
      file = undefined;
    });
    if (failure) throw (failure as { error: unknown }).error;
  } catch (error) {
    await abandon();
    key.fill(0);
    throw error;
  }
  return {
    ok: true,
    message: new SpooledMessage({ path, key }, Buffer.concat(head, headBytes), options.prefix.length + size),
  };
}

const nonce = (record: number) => {
  const iv = Buffer.alloc(12);
  iv.writeUIntBE(record, 6, 6);
  return iv;
};

const additionalData = (record: number, last: boolean) => {
  const aad = Buffer.alloc(7);
  aad.writeUIntBE(record, 0, 6);
  aad[6] = last ? 1 : 0;
  return aad;
};

function seal(key: Buffer, record: number, last: boolean, plain: Buffer): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, nonce(record));
  cipher.setAAD(additionalData(record, last));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body, cipher.getAuthTag()]);
}

/** Collects plaintext into RECORD_BYTES records and writes each sealed. */
class RecordWriter {
  readonly #file: FileHandle;
  readonly #key: Buffer;
  readonly #buffer = Buffer.alloc(RECORD_BYTES);
  #filled = 0;
  #record = 0;
  constructor(file: FileHandle, key: Buffer) {
    this.#file = file;
    this.#key = key;
  }

  async push(chunk: Buffer): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      const n = chunk.copy(this.#buffer, this.#filled, at);
      this.#filled += n;
      at += n;
      if (this.#filled === RECORD_BYTES) await this.#flush(false);
    }
  }

  /** Writes the last record (possibly empty): the reader's proof that nothing was cut off. */
  async end(): Promise<void> {
    await this.#flush(true);
  }

  async #flush(last: boolean): Promise<void> {
    const sealed = seal(this.#key, this.#record++, last, this.#buffer.subarray(0, this.#filled));
    this.#filled = 0;
    // A write on a nearly full disk can be short without an error: write the rest, and the
    // next call reports ENOSPC.
    for (let at = 0; at < sealed.length; ) {
      const { bytesWritten } = await this.#file.write(sealed, at, sealed.length - at);
      if (bytesWritten === 0)
        throw Object.assign(new SpoolError("no space left for the spool"), { code: "ENOSPC" });
      at += bytesWritten;
    }
  }
}

async function* readRecords(path: string, key: Buffer): AsyncGenerator<Uint8Array> {
  const file = await open(path, constants.O_RDONLY);
  try {
    const fileSize = (await file.stat()).size;
    const length = Buffer.alloc(LENGTH_BYTES);
    let position = 0;
    for (let record = 0; ; record++) {
      const got = await file.read(length, 0, LENGTH_BYTES, position);
      if (got.bytesRead !== LENGTH_BYTES) throw new SpoolError("spool file is truncated");
      const bodyLength = length.readUInt32BE(0);
      if (bodyLength > RECORD_BYTES) throw new SpoolError("spool record is damaged");
      const sealed = Buffer.alloc(bodyLength + TAG_BYTES);
      const read = await file.read(sealed, 0, sealed.length, position + LENGTH_BYTES);
      if (read.bytesRead !== sealed.length) throw new SpoolError("spool file is truncated");
      position += LENGTH_BYTES + sealed.length;
      const atEnd = fileSize === position;
      const decipher = createDecipheriv("aes-256-gcm", key, nonce(record));
      decipher.setAAD(additionalData(record, atEnd));
      decipher.setAuthTag(sealed.subarray(bodyLength));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(sealed.subarray(0, bodyLength)), decipher.final()]);
      } catch {
        // Altered, reordered, or not the last record although the file ends here (cut off).
        throw new SpoolError("spool record failed authentication");
      }
      if (plain.length > 0) yield plain;
      if (atEnd) return;
    }
  } finally {
    await file.close();
  }
}
