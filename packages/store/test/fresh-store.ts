import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Certificate, parseCertificate } from "@sealbox/core";
import { silentLogger } from "../src/logger.js";
import { type OpenStoreOptions, openStore, type Store } from "../src/open-store.js";
import type { Backend } from "./backends.js";

/** Cheap password hashing for tests that are not about it (the hash format is the same). */
export const TEST_SCRYPT = { logN: 10, r: 8, p: 1 };

export interface FreshStore {
  store: Store;
  url: string;
  base: string;
  cleanup(): Promise<void>;
}

/** A new empty database on the backend, opened, with quiet logs and cheap hashing. */
export async function freshStore(
  backend: Backend,
  options: Partial<OpenStoreOptions> = {},
): Promise<FreshStore> {
  const target = await backend.fresh();
  const store = await openStore(target.url, {
    base: target.base,
    logger: silentLogger,
    passwordHashing: TEST_SCRYPT,
    ...options,
  });
  return {
    store,
    url: target.url,
    base: target.base,
    cleanup: async () => {
      await store.close();
      await target.cleanup();
    },
  };
}

/** A settable clock for tests. */
export function testClock(start = Date.UTC(2025, 0, 1)) {
  let t = start;
  return {
    now: () => t,
    set: (ms: number) => {
      t = ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

/**
 * A self-signed P-256 certificate made by OpenSSL (the real peer), parsed by core.
 * `emails` go into subjectAltName; the first also into the subject.
 */
export function opensslCertificate(commonName: string, emails: string[], days = 365): Certificate {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-cert-"));
  try {
    const subject = `/CN=${commonName}${emails[0] ? `/emailAddress=${emails[0]}` : ""}`;
    const args = [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.der"),
      "-outform",
      "DER",
      "-days",
      String(days),
      "-subj",
      subject,
    ];
    if (emails.length > 0)
      args.push("-addext", `subjectAltName=${emails.map((e) => `email:${e}`).join(",")}`);
    execFileSync("openssl", args, { stdio: "pipe" });
    return parseCertificate(new Uint8Array(readFileSync(join(dir, "cert.der"))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A small RFC 5322 message. */
export function message(headers: Record<string, string>, body = "Hello.\r\n"): Buffer {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`);
}
