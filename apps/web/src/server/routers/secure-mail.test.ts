import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importPfx } from "@sealbox/core";
import type { Store } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { appCodeOf } from "../errors";
import { callerFor, signedIn, testStore } from "./test-support";

const SMP = "a Secure Mail Password";

/** A PFX made by openssl with the given certificate extensions (what users bring from elsewhere). */
function opensslPfx(subject: string, extensions: string[], password: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-web-pfx-"));
  try {
    const [key, cert, pfx] = ["k.pem", "c.pem", "c.pfx"].map((f) => join(dir, f)) as [string, string, string];
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", key, "-out", cert]
        .concat(["-days", "365"])
        .concat(extensions.flatMap((e) => ["-addext", e])),
      { stdio: "pipe" },
    );
    execFileSync(
      "openssl",
      ["pkcs12", "-export", "-inkey", key, "-in", cert, "-out", pfx, "-passout", `pass:${password}`],
      {
        stdio: "pipe",
      },
    );
    return readFileSync(pfx).toString("base64");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A key and a self-signed e-mail certificate made by openssl in `dir`, valid for `days`. */
function opensslPair(dir: string, name: string, email: string, days: number): { key: string; cert: string } {
  const file = join(dir, Math.random().toString(36).slice(2));
  const [key, cert] = [`${file}.key`, `${file}.pem`];
  execFileSync(
    "openssl",
    [
      ...[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        `/CN=${name}`,
        "-keyout",
        key,
        "-out",
        cert,
      ],
      ...["-days", String(days), "-addext", `subjectAltName=email:${email}`],
      ...["-addext", "extendedKeyUsage=emailProtection"],
    ],
    { stdio: "pipe" },
  );
  return { key, cert };
}

/** `openssl pkcs12 -export …` in `dir`; the file as base64 (what the page uploads). */
function pkcs12(dir: string, args: string[]): string {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.pfx`);
  execFileSync("openssl", ["pkcs12", "-export", ...args, "-out", out], { stdio: "pipe" });
  return readFileSync(out).toString("base64");
}

/** The code the page maps to words (failureOf(e).appCode), as the errorFormatter computes it. */
async function refusal(
  promise: Promise<unknown>,
): Promise<{ appCode: string | null; message: string; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return { appCode: appCodeOf(error), message: error.message, error };
  }
  throw new Error("expected a refusal");
}

describe("Settings → Secure Mail over tRPC", () => {
  let store: Store;
  let carolPfx: string;

  beforeAll(async () => {
    store = await testStore();
    carolPfx = opensslPfx(
      "/CN=Carol Example/emailAddress=carol@settings.example",
      ["subjectAltName=email:carol@settings.example", "extendedKeyUsage=emailProtection"],
      "filepw",
    );
  }, 60_000);
  afterAll(() => store?.close());

  it("import names each cause: wrong file password, not PKCS#12, certificate not for e-mail, password rules", async () => {
    const { token } = await signedIn(store, "carol@settings.example");
    const { caller } = await callerFor(store, token);
    const pair = { newPassword: SMP, reenterPassword: SMP };
    expect(
      await refusal(caller.secureMail.importPfx({ pfx: carolPfx, filePassword: "nope", ...pair })),
    ).toMatchObject({
      appCode: "wrong-password",
    });
    const notPfx = Buffer.from("not a PFX file at all").toString("base64");
    expect(
      (await refusal(caller.secureMail.importPfx({ pfx: notPfx, filePassword: "x", ...pair }))).appCode,
    ).toMatch(/^(corrupt|malformed)$/);
    const serverOnly = opensslPfx(
      "/CN=Web",
      ["subjectAltName=email:carol@settings.example", "extendedKeyUsage=serverAuth"],
      "filepw",
    );
    expect(
      await refusal(caller.secureMail.importPfx({ pfx: serverOnly, filePassword: "filepw", ...pair })),
    ).toMatchObject({
      appCode: "invalid-argument",
      message: expect.stringContaining("not for e-mail"),
    });
    const mismatch = await refusal(
      caller.secureMail.importPfx({
        pfx: carolPfx,
        filePassword: "filepw",
        newPassword: SMP,
        reenterPassword: "other",
      }),
    );
    const zod = (mismatch.error as TRPCError).cause;
    expect(zod).toBeInstanceOf(ZodError);
    expect((zod as ZodError).flatten().fieldErrors).toMatchObject({
      reenterPassword: ["The passwords do not match."],
    });
    const short = await refusal(
      caller.secureMail.importPfx({
        pfx: carolPfx,
        filePassword: "filepw",
        newPassword: "密码",
        reenterPassword: "密码",
      }),
    );
    expect(((short.error as TRPCError).cause as ZodError).flatten().fieldErrors).toMatchObject({
      newPassword: ["Use at least 8 characters."],
    });
    expect((await caller.secureMail.status()).hasKey).toBe(false);

    await caller.secureMail.importPfx({ pfx: carolPfx, filePassword: "filepw", ...pair });
    expect(await caller.secureMail.status()).toMatchObject({
      hasKey: true,
      email: "carol@settings.example",
      key: "RSA 2048",
      expiresSoon: false,
      earlier: [],
    });
  });

  it("import names the cause: no private key, key and certificate that do not match", async () => {
    const { token } = await signedIn(store, "mia@settings.example");
    const { caller } = await callerFor(store, token);
    const pair = { newPassword: SMP, reenterPassword: SMP };
    const dir = mkdtempSync(join(tmpdir(), "sealbox-web-pfx-"));
    try {
      const mine = opensslPair(dir, "Mia", "mia@settings.example", 365);
      // A certificate-only file, as exported without the key.
      const certOnly = pkcs12(dir, ["-nokeys", "-in", mine.cert, "-passout", "pass:filepw"]);
      expect(
        await refusal(caller.secureMail.importPfx({ pfx: certOnly, filePassword: "filepw", ...pair })),
      ).toMatchObject({ appCode: "no-key", message: expect.stringMatching(/no private key/) });

      // Key of one pair, certificate of another. openssl refuses to write that ("No cert in
      // -in file matches private key"), so it writes an unprotected file for the matching pair
      // and the certificate's bytes are swapped for another certificate of the same length.
      let mismatched: Buffer | undefined;
      for (let attempt = 0; attempt < 5 && !mismatched; attempt++) {
        const other = opensslPair(dir, "Mia", "mia@settings.example", 365);
        const [ours, theirs] = [mine.cert, other.cert].map((c) =>
          execFileSync("openssl", ["x509", "-in", c, "-outform", "DER"]),
        ) as [Buffer, Buffer];
        if (ours.length !== theirs.length) continue;
        const pfx = Buffer.from(
          pkcs12(dir, [
            ...["-inkey", mine.key, "-in", mine.cert, "-nomac", "-certpbe", "NONE", "-keypbe", "NONE"],
            ...["-passout", "pass:"],
          ]),
          "base64",
        );
        const at = pfx.indexOf(ours);
        expect(at).toBeGreaterThan(0);
        theirs.copy(pfx, at);
        mismatched = pfx;
      }
      if (!mismatched) throw new Error("openssl made no two certificates of the same length");
      expect(
        await refusal(
          caller.secureMail.importPfx({ pfx: mismatched.toString("base64"), filePassword: "", ...pair }),
        ),
      ).toMatchObject({
        appCode: "key-certificate-mismatch",
        message: expect.stringMatching(/matches none of its certificates/),
      });
      expect((await caller.secureMail.status()).hasKey).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("status warns when the certificate expires within 30 days, not when it is valid for a year", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sealbox-web-pfx-"));
    try {
      for (const [days, soon] of [
        [10, true],
        [365, false],
      ] as const) {
        const address = `days${days}@settings.example`;
        const { token } = await signedIn(store, address);
        const { caller } = await callerFor(store, token);
        const made = opensslPair(dir, `Days ${days}`, address, days);
        const pfx = pkcs12(dir, ["-inkey", made.key, "-in", made.cert, "-passout", "pass:filepw"]);
        await caller.secureMail.importPfx({
          pfx,
          filePassword: "filepw",
          newPassword: SMP,
          reenterPassword: SMP,
        });
        const status = await caller.secureMail.status();
        expect([days, status.expiresSoon]).toEqual([days, soon]);
        expect(status.expiresInDays).toBeGreaterThanOrEqual(days - 1);
        expect(status.expiresInDays).toBeLessThanOrEqual(days);
        expect(status).toMatchObject({ hasKey: true, email: address, key: "RSA 2048" });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("generate, modify and export need the unlock; remove needs only a PFX of the same key", async () => {
    const { token } = await signedIn(store, "alice@gen.example");
    const { caller } = await callerFor(store, token);
    await caller.secureMail.generate({ newPassword: SMP, reenterPassword: SMP });
    expect(await caller.secureMail.status()).toMatchObject({
      hasKey: true,
      email: "alice@gen.example",
      key: "RSA 2048",
    });

    const next = "the next Secure Mail Password";
    expect(
      await refusal(caller.secureMail.changePassword({ newPassword: next, reenterPassword: next })),
    ).toMatchObject({
      appCode: "locked",
    });
    expect(
      await refusal(caller.secureMail.exportPfx({ filePassword: "export pw", verifyPassword: "export pw" })),
    ).toMatchObject({ appCode: "locked" });

    await caller.secureMail.unlock({ password: SMP });
    await caller.secureMail.changePassword({ newPassword: next, reenterPassword: next });
    await caller.secureMail.lock();
    expect(await refusal(caller.secureMail.unlock({ password: SMP }))).toMatchObject({
      appCode: "wrong-password",
    });
    await caller.secureMail.unlock({ password: next });

    const exported = await caller.secureMail.exportPfx({
      filePassword: "export pw",
      verifyPassword: "export pw",
    });
    expect(exported.filename).toBe("CertAndKey.pfx");
    const status = await caller.secureMail.status();
    const pfx = Buffer.from(exported.pfx, "base64");
    expect(importPfx(pfx, "export pw").identity.certificate.sha256).toBe(status.certificateSha256);

    expect(await refusal(caller.secureMail.remove({ pfx: carolPfx, filePassword: "filepw" }))).toMatchObject({
      appCode: "forbidden",
      message: expect.stringContaining("does not hold"),
    });
    expect(
      await refusal(caller.secureMail.remove({ pfx: exported.pfx, filePassword: "wrong" })),
    ).toMatchObject({
      appCode: "wrong-password",
    });
    await caller.secureMail.lock();
    await caller.secureMail.remove({ pfx: exported.pfx, filePassword: "export pw" });
    expect((await caller.secureMail.status()).hasKey).toBe(false);
  });
});
