/**
 * Interop with OpenSSL (DESIGN.md "Interop is the truth"): what we build, `openssl cms` reads;
 * what `openssl cms` writes, we split into exactly the bytes it signed. A throwaway key and
 * certificate are generated per run in a temp directory.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base64Decode } from "./base64.js";
import { buildMultipartSigned, buildPkcs7Mime } from "./build.js";
import { makeSignable } from "./make-signable.js";
import { splitSigned } from "./multipart.js";
import { entityContentType, parseEntity } from "./parse-entity.js";

let dir = "";
const path = (name: string): string => join(dir, name);
const openssl = (...args: string[]): Buffer =>
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });

describe("OpenSSL interop (openssl cms)", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sealbox-mime-"));
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=t",
      "-days",
      "2",
      "-keyout",
      "k",
      "-out",
      "c",
    );
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("openssl verifies our multipart/signed around a signature it made over signedBytes", () => {
    const inner = Buffer.from(
      "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße aus Köln\nFrom here.\n",
    );
    const signedEntity = makeSignable(parseEntity(inner));
    writeFileSync(path("signed.bin"), signedEntity);
    openssl(
      "cms",
      "-sign",
      "-binary",
      "-outform",
      "DER",
      "-in",
      "signed.bin",
      "-signer",
      "c",
      "-inkey",
      "k",
      "-out",
      "sig.der",
    );
    const built = buildMultipartSigned({
      signedEntity,
      signatureDer: readFileSync(path("sig.der")),
      micalg: "sha-256",
      outerHeaders: [
        { name: "From", value: "t@example.com" },
        { name: "Subject", value: "interop" },
      ],
    });
    writeFileSync(path("ours.eml"), built.bytes);
    // No -binary here: for multipart/signed input, OpenSSL's -binary re-joins part 1's lines
    // with bare LF (crypto/asn1/asn_mime.c multi_split), which no longer matches the signature.
    const content = openssl("cms", "-verify", "-noverify", "-in", "ours.eml");
    expect(content.equals(Buffer.from(built.signedBytes))).toBe(true);
  });

  it("splits openssl's multipart/signed (LF outside, CRLF inside, header-less part 1) to the signed bytes", () => {
    writeFileSync(path("plain.txt"), "hello\nworld\n\n");
    openssl("cms", "-sign", "-in", "plain.txt", "-signer", "c", "-inkey", "k", "-out", "theirs.eml");
    const split = splitSigned(parseEntity(readFileSync(path("theirs.eml"))));
    expect(split.protocol).toBe("application/pkcs7-signature");
    expect(split.micalg).toEqual(["sha-256"]);
    expect(Buffer.from(split.signed.bytes).toString("latin1")).toBe("hello\r\nworld\r\n\r\n");
    writeFileSync(path("part1.bin"), split.signed.bytes);
    writeFileSync(path("p7s.der"), base64Decode(split.signature.entity.body));
    openssl(
      "cms",
      "-verify",
      "-noverify",
      "-binary",
      "-inform",
      "DER",
      "-in",
      "p7s.der",
      "-content",
      "part1.bin",
    );
  });

  it("splits openssl's signature over a MIME entity with -binary", () => {
    const entity =
      "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n";
    writeFileSync(path("entity.bin"), entity);
    openssl("cms", "-sign", "-binary", "-in", "entity.bin", "-signer", "c", "-inkey", "k", "-out", "bin.eml");
    const split = splitSigned(parseEntity(readFileSync(path("bin.eml"))));
    expect(Buffer.from(split.signed.bytes).toString("latin1")).toBe(entity);
    writeFileSync(path("bin-part1.bin"), split.signed.bytes);
    writeFileSync(path("bin-p7s.der"), base64Decode(split.signature.entity.body));
    openssl(
      "cms",
      "-verify",
      "-noverify",
      "-binary",
      "-inform",
      "DER",
      "-in",
      "bin-p7s.der",
      "-content",
      "bin-part1.bin",
    );
  });

  it("openssl decrypts our application/pkcs7-mime built from its EnvelopedData", () => {
    writeFileSync(path("secret.txt"), "Content-Type: text/plain\r\n\r\nsecret\r\n");
    openssl("cms", "-encrypt", "-binary", "-aes256", "-in", "secret.txt", "-out", "enc.eml", "c");
    const theirs = parseEntity(readFileSync(path("enc.eml")));
    expect(entityContentType(theirs).params["smime-type"]).toBe("enveloped-data");
    const der = base64Decode(theirs.body);
    writeFileSync(path("ours-enc.eml"), buildPkcs7Mime({ der, smimeType: "enveloped-data" }));
    const plain = openssl("cms", "-decrypt", "-binary", "-in", "ours-enc.eml", "-inkey", "k", "-recip", "c");
    expect(plain.toString("latin1")).toBe("Content-Type: text/plain\r\n\r\nsecret\r\n");
  });
});
