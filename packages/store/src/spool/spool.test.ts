import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanSpool, RECORD_BYTES, SpoolError, type SpooledMessage, spoolMessage } from "./spool.js";

let home: string;
let dir: string;

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), "sealbox-spool-"));
  ({ dir } = await cleanSpool(home));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const MARKER = `marker-${randomBytes(8).toString("hex")}`;

function body(bytes: number): Buffer {
  const line = Buffer.from(`${MARKER} ${"x".repeat(40)}\r\n`);
  const out = Buffer.alloc(bytes);
  for (let at = 0; at < bytes; at += line.length) line.copy(out, at);
  return out;
}

function data(bytes: Buffer, size = 10_000): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    })(),
  );
}

async function readAll(message: SpooledMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of message.open()) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

const options = (over: Partial<Parameters<typeof spoolMessage>[1]> = {}) => ({
  dir,
  prefix: Buffer.from("Received: by test\r\n"),
  maxBytes: 10 * 1024 * 1024,
  keepHead: 1000,
  reserve: () => true,
  ...over,
});

const spoolFiles = () => readdirSync(dir);

describe("the encrypted DATA spool", () => {
  it("gives back prefix + data byte for byte, any size, keeps the head, and holds no plaintext on disk", async () => {
    for (const size of [0, 1, RECORD_BYTES - 19, RECORD_BYTES, 3 * RECORD_BYTES + 5, 2_000_000]) {
      const input = body(size);
      const result = await spoolMessage(data(input, 7001), options());
      if (!result.ok) throw new Error(result.reason);
      const want = Buffer.concat([Buffer.from("Received: by test\r\n"), input]);
      expect(result.message.size).toBe(want.length);
      expect(Buffer.from(result.message.head).equals(want.subarray(0, 1000))).toBe(true);
      const [name] = spoolFiles();
      const file = join(dir, name as string);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file).includes(Buffer.from(MARKER))).toBe(false);
      expect((await readAll(result.message)).equals(want)).toBe(true);
      expect((await readAll(result.message)).equals(want)).toBe(true); // re-openable
      await result.message.remove();
      expect(spoolFiles()).toEqual([]);
      expect(() => result.message.open()).toThrow(SpoolError);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("keeps a message up to memoryBelow in memory (no file), and spills one byte more to the spool", async () => {
    const prefix = Buffer.from("Received: by test\r\n");
    const limit = 100_000;
    for (const [size, onDisk] of [
      [limit - prefix.length, false],
      [limit - prefix.length + 1, true],
    ] as const) {
      const input = body(size);
      const result = await spoolMessage(data(input, 7001), options({ memoryBelow: limit }));
      if (!result.ok) throw new Error(result.reason);
      expect(result.message.onDisk).toBe(onDisk);
      expect(spoolFiles().length).toBe(onDisk ? 1 : 0);
      expect((await readAll(result.message)).equals(Buffer.concat([prefix, input]))).toBe(true);
      expect(Buffer.from(result.message.head).equals(Buffer.concat([prefix, input]).subarray(0, 1000))).toBe(
        true,
      );
      await result.message.remove();
      expect(spoolFiles()).toEqual([]);
    }
  });

  it("refuses to read a tampered, truncated, reordered or extended file", async () => {
    const result = await spoolMessage(data(body(4 * RECORD_BYTES + 100)), options());
    if (!result.ok) throw new Error(result.reason);
    const file = join(dir, spoolFiles()[0] as string);
    const good = readFileSync(file);
    const record = 4 + RECORD_BYTES + 16;
    const flipped = Buffer.from(good);
    flipped[record + 100] = (flipped[record + 100] as number) ^ 1;
    const swapped = Buffer.concat([
      good.subarray(record, 2 * record),
      good.subarray(0, record),
      good.subarray(2 * record),
    ]);
    for (const bad of [
      flipped,
      good.subarray(0, good.length - 1),
      good.subarray(0, 4 * record), // whole records cut off: no last record
      swapped,
      Buffer.concat([good, good.subarray(0, record)]),
    ]) {
      writeFileSync(file, bad);
      await expect(readAll(result.message)).rejects.toThrow(SpoolError);
    }
    writeFileSync(file, good);
    expect((await readAll(result.message)).length).toBe(result.message.size);
    await result.message.remove();
  });

  it("over the size limit or the budget: refused after reading to the end, nothing left in the spool", async () => {
    let reserved = 0;
    const tooBig = await spoolMessage(data(body(300_000)), options({ maxBytes: 200_000 }));
    expect(tooBig).toEqual({ ok: false, reason: "too-big", bytes: 300_000 });
    expect(spoolFiles()).toEqual([]);
    const busy = await spoolMessage(
      data(body(300_000)),
      options({
        reserve: (n) => {
          if (reserved + n > 100_000) return false;
          reserved += n;
          return true;
        },
      }),
    );
    expect(busy).toEqual({ ok: false, reason: "busy", bytes: 300_000 });
    expect(spoolFiles()).toEqual([]);
  });

  it("a source that fails mid-way leaves no file", async () => {
    const failing = Readable.from(
      (async function* () {
        yield body(100_000);
        throw new Error("client went away");
      })(),
    );
    await expect(spoolMessage(failing, options())).rejects.toThrow("client went away");
    expect(spoolFiles()).toEqual([]);
  });

  it("a write that fails (disk full) still reads the data to the end, then throws; no file left", async () => {
    let pulled = 0;
    const counted = (async function* () {
      for (let i = 0; i < 20; i++) {
        pulled++;
        yield body(100_000);
      }
    })();
    // A spool folder that vanished stands in for a write error the disk would give.
    const gone = join(home, "gone");
    await expect(spoolMessage(counted, options({ dir: gone }))).rejects.toMatchObject({ code: "ENOENT" });
    expect(pulled).toBe(20);
  });

  it("cleanSpool removes what a crash left", async () => {
    writeFileSync(join(dir, "left-by-a-crash.spool"), "unreadable");
    writeFileSync(join(dir, "another.spool"), "unreadable");
    expect(await cleanSpool(home)).toEqual({ dir, removed: 2 });
    expect(spoolFiles()).toEqual([]);
  });

  it("cleanSpool keeps the files of a process still running and removes those of one that is gone", async () => {
    const running = spawn("sleep", ["30"]);
    const gone = spawn("true");
    await new Promise((r) => gone.once("exit", r));
    try {
      const live = `${running.pid}-x-live.spool`;
      writeFileSync(join(dir, live), "another worker's message in flight");
      writeFileSync(join(dir, `${gone.pid}-x-dead.spool`), "left by a crash");
      writeFileSync(join(dir, `${process.pid}-x-mine.spool`), "an earlier process with this pid");
      expect(await cleanSpool(home)).toEqual({ dir, removed: 2 });
      expect(spoolFiles()).toEqual([live]);
    } finally {
      running.kill();
      await cleanSpool(home);
    }
  });

  it("names each spool file after the process writing it", async () => {
    const { message } = (await spoolMessage(data(body(300_000)), options())) as {
      message: SpooledMessage;
    };
    try {
      expect(spoolFiles()).toEqual([expect.stringMatching(new RegExp(`^${process.pid}-`))]);
    } finally {
      await message.remove();
    }
  });
});
