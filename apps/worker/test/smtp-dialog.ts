import { connect, type Socket } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";

/**
 * A bare SMTP client for checks nodemailer hides (what EHLO advertises, the exact reply to a
 * command, a transaction left hanging in DATA): send a line, get the whole (multi-line) reply.
 */
export interface Dialog {
  greeting: string;
  command(line: string): Promise<string>;
  /** Writes raw bytes (message data) without waiting for a reply. */
  write(data: string | Buffer): void;
  /** Waits for the next reply (after data ending in CRLF.CRLF). */
  reply(): Promise<string>;
  starttls(): Promise<void>;
  close(): void;
  /** Resolves when the server closes the connection. */
  closed: Promise<void>;
}

export async function dialog(port: number, host = "127.0.0.1", localAddress?: string): Promise<Dialog> {
  let socket: Socket | TLSSocket = connect({ port, host, ...(localAddress ? { localAddress } : {}) });
  let buffer = "";
  let waiting: ((reply: string) => void) | undefined;
  let closedResolve: () => void = () => {};
  const closed = new Promise<void>((r) => {
    closedResolve = r;
  });
  const tryReply = () => {
    // A reply ends with a line "NNN text" (space after the code), RFC 5321 §4.2.1.
    const m = /(^|\r\n)\d{3} [^\r\n]*\r\n/.exec(buffer);
    if (!m || !waiting) return;
    const end = m.index + m[0].length;
    const reply = buffer.slice(0, end);
    buffer = buffer.slice(end);
    const w = waiting;
    waiting = undefined;
    w(reply.trimEnd());
  };
  const attach = (s: Socket | TLSSocket) => {
    s.on("data", (c: Buffer) => {
      buffer += c.toString("latin1");
      tryReply();
    });
    s.on("close", () => closedResolve());
    s.on("error", () => closedResolve());
  };
  attach(socket);
  const next = () =>
    new Promise<string>((resolve) => {
      waiting = resolve;
      tryReply();
    });
  const greeting = await next();
  const command = (line: string) => {
    const r = next();
    socket.write(`${line}\r\n`);
    return r;
  };
  return {
    greeting,
    command,
    write(data) {
      socket.write(data);
    },
    reply: next,
    async starttls() {
      const r = await command("STARTTLS");
      if (!r.startsWith("220")) throw new Error(`STARTTLS refused: ${r}`);
      socket.removeAllListeners("data");
      const plain = socket as Socket;
      socket = await new Promise<TLSSocket>((resolve, reject) => {
        const t = tlsConnect({ socket: plain, rejectUnauthorized: false }, () => resolve(t));
        t.once("error", reject);
      });
      attach(socket);
    },
    close() {
      socket.destroy();
    },
    closed,
  };
}
