import { isAbsolute, join, resolve } from "node:path";
import { StoreError } from "./errors.js";

export type StoreLocation = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/** The embedded default: an SQLite file inside the data folder. */
export function defaultStoreUrl(dataFolder: string): string {
  return `sqlite:${join(dataFolder, "sealbox.db")}`;
}

/**
 * `sqlite:PATH` (relative paths resolve against `base`, which callers set to the data
 * folder, never the current directory) or `postgres://…` / `postgresql://…`.
 */
export function parseStoreUrl(url: string, base: string): StoreLocation {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path === "") throw new StoreError("invalid-url", "sqlite: URL has no file path");
    return { kind: "sqlite", path: isAbsolute(path) ? path : resolve(base, path) };
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return { kind: "postgres", url };
  }
  throw new StoreError(
    "invalid-url",
    `store URL must start with sqlite: or postgres:// (got "${url.split(":")[0]}:…")`,
  );
}
