/**
 * A mailbox as one mboxrd file (the mbox variant whose quoting is reversible: a body line
 * `>*From ` gets one more `>`, and a reader removes exactly one), written as a stream: each
 * message's stored bytes go out chunk by chunk, so exporting a folder of 64 MiB messages holds
 * a chunk, not a message. Messages keep their own bytes and line endings apart from the
 * quoting; each is introduced by a `From MAILER-DAEMON <date>` line and followed by a blank line.
 */

const FROM = Buffer.from("From ");
const GT = Buffer.from(">");
const LF = 0x0a;
const GT_BYTE = 0x3e;
const F_BYTE = 0x46;

/** `Thu Jan  1 00:00:00 2026`: the asctime form mbox's separator line carries (UTC). */
export function asctime(ms: number): string {
  const d = new Date(ms);
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
    d.getUTCMonth()
  ];
  const two = (n: number) => String(n).padStart(2, "0");
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, " ")} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/**
 * mboxrd quoting of one message's bytes as they stream, ended on a line end. A line start, any
 * `>`s after it, then as much of "From " as the chunk holds (at most four bytes) is the only
 * state carried from one chunk to the next. The extra `>` goes just before "From ": after a run
 * of `>`s that is the same line as one more `>` in front.
 */
export async function* mboxrdQuote(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  /** -1: inside a line; 0: at a line start (after any `>`s); 1–4: that much of "From " matched and held. */
  let state = 0;
  let last = LF;
  for await (const piece of chunks) {
    if (piece.byteLength === 0) continue;
    const buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    const out: Uint8Array[] = [];
    let from = 0;
    let i = 0;
    while (i < buf.length) {
      if (state === -1) {
        const lf = buf.indexOf(LF, i);
        if (lf === -1) break;
        i = lf + 1;
        state = 0;
        continue;
      }
      const byte = buf[i] as number;
      if (state === 0) {
        if (byte === GT_BYTE) i++;
        else if (byte === F_BYTE) {
          out.push(buf.subarray(from, i));
          state = 1;
          from = ++i;
        } else {
          state = byte === LF ? 0 : -1;
          i++;
        }
        continue;
      }
      if (byte === FROM[state]) {
        state++;
        from = ++i;
        if (state === FROM.length) {
          out.push(GT, FROM);
          state = -1;
        }
        continue;
      }
      // Not a From line: the held bytes go out as they were; this byte is read again inside the line.
      out.push(FROM.subarray(0, state));
      state = -1;
      from = i;
    }
    out.push(buf.subarray(from));
    last = buf[buf.length - 1] as number;
    for (const part of out) if (part.byteLength > 0) yield part;
  }
  if (state > 0) {
    yield FROM.subarray(0, state);
    last = FROM[state - 1] as number;
  }
  if (last !== LF) yield Buffer.from("\n");
}

/** One message of the export: its separator line, its quoted bytes, a blank line. */
export async function* mboxrdMessage(
  date: number,
  bytes: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield Buffer.from(`From MAILER-DAEMON ${asctime(date)}\n`, "latin1");
  yield* mboxrdQuote(bytes);
  yield Buffer.from("\n");
}
