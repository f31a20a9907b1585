import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function must(args: string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
}

/**
 * A message encrypted by another client (`openssl cms -encrypt` to a throwaway key nobody here
 * holds), as it arrives by SMTP: headers outside, application/pkcs7-mime with whatever
 * smime-type openssl writes. `cipherFlag` is openssl's, e.g. "-aes-128-gcm" or "-des3".
 */
export function encryptedElsewhere(cipherFlag: string, headers: Record<string, string> = {}): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-elsewhere-"));
  try {
    must(
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-days",
        "2",
      ].concat(["-subj", "/CN=Elsewhere/emailAddress=someone@elsewhere.example"]),
      dir,
    );
    writeFileSync(join(dir, "in.txt"), "Content-Type: text/plain\r\n\r\nsealed elsewhere\r\n");
    must(["cms", "-encrypt", "-in", "in.txt", "-out", "out.eml", cipherFlag, "c.pem"], dir);
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    return Buffer.concat([Buffer.from(head), readFileSync(join(dir, "out.eml"))]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
