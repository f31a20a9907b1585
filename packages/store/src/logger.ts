/**
 * The logger store writes through (pino-compatible argument order). Store never logs
 * message contents or secrets: fields carry ids, addresses and reasons only.
 */
export interface StoreLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The default when the caller injects none: one line on stderr per event. */
export const stderrLogger: StoreLogger = {
  info: (fields, message) => console.error(`sealbox store: ${message} ${JSON.stringify(fields)}`),
  warn: (fields, message) => console.error(`sealbox store: warning: ${message} ${JSON.stringify(fields)}`),
};

export const silentLogger: StoreLogger = { info: () => {}, warn: () => {} };
