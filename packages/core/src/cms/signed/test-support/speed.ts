/**
 * Quick speed check for CMS SignedData (not a test; `pnpm bench` in packages/core measures the message
 * level). Run: `npx tsx src/cms/signed/test-support/speed.ts` from packages/core.
 * Prints 10 KB sign/verify per second beside `openssl speed rsa2048`, and 50 MB detached
 * sign/verify throughput (streamed from a file) beside `openssl cms -sign/-verify -binary`.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { signData } from "../sign-data.js";
import { verifySignedData } from "../verify-signed-data.js";
import { OpensslPki } from "./openssl-pki.js";

const pki = new OpensslPki();
const root = pki.root("Speed Root");
const inter = pki.intermediate(root, "Speed Inter");
const leaf = pki.leaf(inter, { cn: "Speed", emails: ["speed@example.test"] });
const identity = pki.identity(leaf);

function opensslSignsPerSecond(): number {
  const out = execFileSync("openssl", ["speed", "-seconds", "3", "rsa2048"], {
    stdio: ["ignore", "pipe", "ignore"],
  }).toString();
  const line = /rsa 2048 bits\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)/.exec(out);
  return Number(line?.[1]);
}

async function perSecond(fn: () => Promise<unknown>, seconds = 3): Promise<number> {
  for (let i = 0; i < 20; i++) await fn(); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await fn();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

/** Best of three runs: the machine is shared, and the first run pays for warm-up. */
function time(fn: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    fn();
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
}

const small = randomBytes(10 * 1024);
const smallSig = await signData(small, { signers: [{ identity }], detached: true });
const signRate = await perSecond(() => signData(small, { signers: [{ identity }], detached: true }));
const verifyRate = await perSecond(() => verifySignedData(smallSig, { content: small, trust: [root.cert] }));
const cache = new Map();
const cachedRate = await perSecond(() =>
  verifySignedData(smallSig, { content: small, trust: [root.cert], certificateCache: cache }),
);
const rsaSign = opensslSignsPerSecond();
console.log(`openssl speed rsa2048: ${rsaSign.toFixed(0)} sign/s`);
console.log(
  `10 KB sign:   ${signRate.toFixed(0)}/s = ${(signRate / rsaSign).toFixed(2)} of rsa2048 sign/s (target ≥ 0.33)`,
);
console.log(
  `10 KB verify: ${verifyRate.toFixed(0)}/s = ${(verifyRate / rsaSign).toFixed(2)} of rsa2048 sign/s (target ≥ 0.25)`,
);
console.log(
  `10 KB verify with a certificateCache (no key imports): ${cachedRate.toFixed(0)}/s = ${(cachedRate / rsaSign).toFixed(2)}`,
);

const big = join(pki.dir, "big.bin");
const size = 50 * 1024 * 1024;
writeFileSync(big, randomBytes(size));
const stream = () => createReadStream(big, { highWaterMark: 1 << 20 });
const bigSig = join(pki.dir, "big.p7s");
for (const md of ["sha256", "sha512"] as const) {
  const digest = md === "sha256" ? "SHA-256" : "SHA-512";
  const oursSign = await timeAsync(async () => {
    const der = await signData(stream(), { signers: [{ identity, digest }], detached: true });
    writeFileSync(bigSig, der);
  });
  const theirsSign = time(() =>
    execFileSync("openssl", [
      "cms",
      "-sign",
      "-binary",
      "-md",
      md,
      "-in",
      big,
      "-signer",
      leaf.certPath,
      "-inkey",
      leaf.keyPath,
      "-certfile",
      inter.certPath,
      "-outform",
      "DER",
      "-out",
      join(pki.dir, "o.p7s"),
    ]),
  );
  const oursVerify = await timeAsync(async () => {
    const r = await verifySignedData(readFileSync(bigSig), {
      content: stream(),
      trust: [root.cert],
    });
    if (r.signers[0]?.status !== "valid") throw new Error(`50 MB verify: ${r.signers[0]?.reason}`);
  });
  const theirsVerify = time(() =>
    execFileSync(
      "openssl",
      [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        join(pki.dir, "o.p7s"),
        "-content",
        big,
        "-CAfile",
        root.certPath,
        "-out",
        "/dev/null",
      ],
      { stdio: "ignore" },
    ),
  );
  const mbps = (s: number) => (size / 1048576 / s).toFixed(0);
  console.log(
    `50 MB detached ${digest} sign:   ours ${mbps(oursSign)} MB/s, openssl cms ${mbps(theirsSign)} MB/s, ratio ${(theirsSign / oursSign).toFixed(2)} (target ≥ 1.0)`,
  );
  console.log(
    `50 MB detached ${digest} verify: ours ${mbps(oursVerify)} MB/s, openssl cms ${mbps(theirsVerify)} MB/s, ratio ${(theirsVerify / oursVerify).toFixed(2)} (target ≥ 1.0)`,
  );
}
pki.cleanup();
