/**
 * gpgsm 2.2 refuses about one OpenSSL-made legacy PKCS#12 file in a hundred that openssl and
 * NSS read fine ("error at bag.data", "shrouded_key_bag.decrypted-text", "outer.outer.seq"):
 * it depends on the file's random salt and IV, and a fresh export of the same key with the
 * same algorithms imports (measured: every refused key imported on each of five re-exports).
 * gpgsm 2.2 cannot read PBES2 at all, so the fresh export must stay legacy.
 *
 * `tryImport` runs `gpgsm --import` on a file; `freshExport` writes a new legacy export of the
 * same key and returns its path. Three tries; each refusal is printed.
 */
export function importIntoGpgsm(
  first: string,
  tryImport: (p12: string) => { ok: boolean; stderr: string },
  freshExport: (attempt: number) => string,
): void {
  let file = first;
  for (let attempt = 1; ; attempt++) {
    const r = tryImport(file);
    // A refused file can still import its certificate, so the exit status is not enough.
    if (r.ok && /secret keys imported: 1|secret keys unchanged: 1/.test(r.stderr)) return;
    if (attempt === 3) throw new Error(`gpgsm --import ${file} failed three times: ${r.stderr}`);
    console.warn(`gpgsm refused ${file} (attempt ${attempt}), exporting it afresh: ${r.stderr.slice(-300)}`);
    file = freshExport(attempt);
  }
}
