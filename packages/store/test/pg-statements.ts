import pg from "pg";

/**
 * Records the text of every statement node-postgres clients send from now until `stop()`:
 * connections opened meanwhile bind the recording query (the store's pg wrapper binds it per
 * client), so open the store after starting this. For tests that check how bytes travel
 * (binary COPY, not hex text).
 */
export function recordPgStatements(): { sent: string[]; stop(): void } {
  const sent: string[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    sent.push(typeof first === "string" ? first : (first?.text ?? ""));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  return {
    sent,
    stop() {
      pg.Client.prototype.query = original;
    },
  };
}
