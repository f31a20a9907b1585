/**
 * Key-handling benchmarks: unlock (unseal + key import; target ≤ 250 ms on the
 * 2-core reference machine) and PKCS#12 import at OpenSSL's 2048 and NSS's 600,000 iterations.
 * Run: cd packages/core && node --conditions=@sealbox/source --import tsx bench/keys.ts
 */
import { createHash } from "node:crypto";
import { createCa } from "../src/ca/create-ca.js";
import { issueUserCertificate } from "../src/ca/issue-user-certificate.js";
import { resealPrivateKeys } from "../src/keyvault/reseal-private-keys.js";
import { sealPrivateKey } from "../src/keyvault/seal-private-key.js";
import { unlock } from "../src/keyvault/unlock.js";
import { exportPfx } from "../src/pkcs12/export-pfx.js";
import { importPfx } from "../src/pkcs12/import-pfx.js";
import type { Identity } from "../src/pki/identity.js";
import { iteratedHash } from "../src/primitives/iterated-hash.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function median(label: string, fn: () => unknown, runs = RUNS): number {
  fn(); // warm up (JIT, OpenSSL provider caches)
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const mid = times[Math.floor(times.length / 2)] as number;
  console.log(
    `${label.padEnd(64)} ${mid.toFixed(1).padStart(8)} ms  (min ${(times[0] as number).toFixed(1)}, max ${(times[times.length - 1] as number).toFixed(1)}, n=${runs})`,
  );
  return mid;
}

const ca = await createCa({ name: "Bench CA", keyAlgorithm: "EC-P256" });
const user = await issueUserCertificate(ca, { email: "bench@example.test", keyAlgorithm: "RSA-2048" });
const identity = { ...user, privateKey: user.privateKey } as Identity;
const password = "correct horse battery staple";

console.log(`node ${process.version}, ${RUNS} runs each, median\n`);
console.log("Unlock (unseal PBES2 + import the key):");
const sealed = sealPrivateKey(identity.privateKey, password);
const unlockMs = median("unlock 1 key, PBKDF2-HMAC-SHA256 600,000 (default)", () =>
  unlock([sealed], password),
);
const batch = resealPrivateKeys([sealed, sealPrivateKey(identity.privateKey, password)], password, password);
median("unlock 2 keys resealed together (one KDF, shared salt)", () => unlock(batch, password));
const scrypt = sealPrivateKey(identity.privateKey, password, { kdf: "scrypt" });
median("unlock 1 key, scrypt N=2^16 r=8 p=1 (option)", () => unlock([scrypt], password));
median("wrong password (PBKDF2 600,000)", () => {
  try {
    unlock([sealed], "wrong");
  } catch {}
});
console.log(`target ≤ 250 ms: ${unlockMs <= 250 ? "met" : "MISSED"}\n`);

console.log("PKCS#12 import:");
const aes2048 = exportPfx(identity, password, { iterations: 2048 });
median("AES-256 / SHA-256 MAC, 2048 iterations (OpenSSL 3 default)", () => importPfx(aes2048, password));
const aes600k = exportPfx(identity, password, { iterations: 600_000 });
median("AES-256 / SHA-256 MAC, 600,000 iterations (NSS 3.87 style)", () => importPfx(aes600k, password), 5);
const legacy600k = exportPfx(identity, password, { legacy: true, iterations: 600_000 });
median("3DES / SHA-1 MAC, 600,000 iterations (NSS -c 3DES style)", () => importPfx(legacy600k, password), 3);
median(
  "wrong password on the 600,000 AES file",
  () => {
    try {
      importPfx(aes600k, "wrong");
    } catch {}
  },
  3,
);

console.log("\nPKCS#12 KDF inner loop (RFC 7292 App. B, 600,000 iterations):");
for (const alg of ["sha1", "sha256", "sha512"]) {
  const input = Buffer.alloc(128, 1);
  const ours = median(`iteratedHash ${alg}`, () => iteratedHash(alg, input, 600_000), 3);
  const naive = median(
    `createHash-per-iteration ${alg} (baseline)`,
    () => {
      let d = createHash(alg).update(input).digest();
      for (let i = 1; i < 600_000; i++) d = createHash(alg).update(d).digest();
    },
    3,
  );
  console.log(
    `  ${alg}: ${(((600_000 / ours) * 1000) / 1e6).toFixed(2)} M iterations/s, ${(naive / ours).toFixed(1)}× the baseline`,
  );
}
