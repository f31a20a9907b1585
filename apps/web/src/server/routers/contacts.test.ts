import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "@sealbox/store";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, signedIn, testStore } from "./test-support";

type Caller = Awaited<ReturnType<typeof callerFor>>["caller"];

/** A certificate file as a user brings it: made by openssl, as PEM and as DER. */
function opensslCertificate(subject: string, extensions: string[]): { pem: Buffer; der: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "sealbox-web-cert-"));
  try {
    const [key, pem, der] = ["k.pem", "c.pem", "c.der"].map((f) => join(dir, f)) as [string, string, string];
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", key, "-out", pem]
        .concat(["-days", "90"])
        .concat(extensions.flatMap((e) => ["-addext", e])),
      { stdio: "pipe" },
    );
    execFileSync("openssl", ["x509", "-in", pem, "-outform", "DER", "-out", der], { stdio: "pipe" });
    return { pem: readFileSync(pem), der: readFileSync(der) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return "accepted";
}

const PERSON = ["basicConstraints=critical,CA:FALSE", "extendedKeyUsage=emailProtection"];

describe("contacts router over tRPC", () => {
  let store: Store;
  let caller: Caller;
  let carol: { pem: Buffer; der: Buffer };
  let dan: { pem: Buffer; der: Buffer };
  let ca: { pem: Buffer; der: Buffer };

  beforeAll(async () => {
    store = await testStore();
    const { token } = await signedIn(store, "owner@contacts.example");
    ({ caller } = await callerFor(store, token));
    carol = opensslCertificate("/CN=Carol Cert/emailAddress=carol@elsewhere.example", [
      ...PERSON,
      "subjectAltName=email:carol@elsewhere.example",
    ]);
    dan = opensslCertificate("/CN=Dan Der", [...PERSON, "subjectAltName=email:dan@elsewhere.example"]);
    ca = opensslCertificate("/CN=Some Root CA", []);
  }, 60_000);
  afterAll(() => store?.close());

  it("books: the one book is listed and selected; selectBook moves the selection", async () => {
    const books = await caller.contacts.books();
    expect(books).toHaveLength(1);
    expect(books[0]).toMatchObject({ selected: true, contacts: 0 });
    expect(books[0]?.name).toEqual(expect.any(String));

    const work = await caller.contacts.createBook({ name: "Work" });
    let now = await caller.contacts.books();
    expect(now.map((b) => [b.name, b.selected])).toEqual([
      [books[0]!.name, true],
      ["Work", false],
    ]);
    expect(await caller.contacts.selectBook({ bookId: work.id })).toEqual({ ok: true });
    now = await caller.contacts.books();
    expect(now.filter((b) => b.selected).map((b) => b.id)).toEqual([work.id]);
    await caller.contacts.selectBook({ bookId: books[0]!.id });
    expect((await caller.contacts.books()).filter((b) => b.selected).map((b) => b.id)).toEqual([
      books[0]!.id,
    ]);
    expect(await codeOf(caller.contacts.selectBook({ bookId: "k-nonexistent" }))).toBe("NOT_FOUND");
  });

  it("add, update and remove a contact", async () => {
    const [book] = await caller.contacts.books();
    const added = await caller.contacts.add({
      bookId: book!.id,
      name: "Erin",
      email: "erin@elsewhere.example",
    });
    expect(await caller.contacts.list({ bookId: book!.id })).toEqual([
      { id: added.id, name: "Erin", email: "erin@elsewhere.example", hasCertificate: false },
    ]);
    expect((await caller.contacts.books()).find((b) => b.id === book!.id)?.contacts).toBe(1);
    await caller.contacts.update({ contactId: added.id, name: "Erin Example", email: "erin@example.org" });
    expect(await caller.contacts.list({ bookId: book!.id })).toEqual([
      { id: added.id, name: "Erin Example", email: "erin@example.org", hasCertificate: false },
    ]);
    expect(await caller.contacts.remove({ contactId: added.id })).toEqual({ ok: true });
    expect(await caller.contacts.list({ bookId: book!.id })).toEqual([]);
    expect(
      await codeOf(caller.contacts.update({ contactId: added.id, name: "x", email: "x@y.example" })),
    ).toBe("NOT_FOUND");
  });

  it("imports a PEM and a DER certificate file; certificates() describes each; removeCertificate drops it", async () => {
    const [book] = await caller.contacts.books();
    const contact = await caller.contacts.add({
      bookId: book!.id,
      name: "Carol",
      email: "carol@elsewhere.example",
    });
    const imported = await caller.contacts.importCertificate({
      contactId: contact.id,
      file: carol.pem.toString("base64"),
    });
    expect(imported).toMatchObject({ added: 1, addresses: ["carol@elsewhere.example"] });
    expect((await caller.contacts.list({ bookId: book!.id })).find((c) => c.id === contact.id)).toMatchObject(
      {
        hasCertificate: true,
      },
    );

    const x509 = new X509Certificate(carol.pem);
    const fingerprint = x509.fingerprint256.replace(/:/g, "").toLowerCase();
    const [described] = await caller.contacts.certificates({ contactId: contact.id });
    expect(described).toMatchObject({
      email: "carol@elsewhere.example",
      emails: ["carol@elsewhere.example"],
      sha256: fingerprint,
      notBefore: new Date(x509.validFrom).toISOString(),
      notAfter: new Date(x509.validTo).toISOString(),
    });
    expect(described?.subject).toContain("Carol Cert");
    // Self-signed: the issuer is the subject.
    expect(described?.issuer).toBe(described?.subject);
    expect(described?.sha256).toMatch(/^[0-9a-f]{64}$/);

    // DER: the same certificate again changes nothing; another one is added.
    await caller.contacts.importCertificate({ contactId: contact.id, file: carol.der.toString("base64") });
    expect(await caller.contacts.certificates({ contactId: contact.id })).toHaveLength(1);
    const danContact = await caller.contacts.add({
      bookId: book!.id,
      name: "Dan",
      email: "dan@elsewhere.example",
    });
    expect(
      await caller.contacts.importCertificate({ contactId: danContact.id, file: dan.der.toString("base64") }),
    ).toMatchObject({ added: 1, addresses: ["dan@elsewhere.example"] });
    const [danCert] = await caller.contacts.certificates({ contactId: danContact.id });
    expect(danCert).toMatchObject({
      subject: expect.stringContaining("Dan Der"),
      emails: ["dan@elsewhere.example"],
      sha256: new X509Certificate(dan.der).fingerprint256.replace(/:/g, "").toLowerCase(),
    });

    expect(await caller.contacts.removeCertificate({ certificateId: described!.id })).toEqual({ ok: true });
    expect(await caller.contacts.certificates({ contactId: contact.id })).toEqual([]);
    expect((await caller.contacts.list({ bookId: book!.id })).find((c) => c.id === contact.id)).toMatchObject(
      {
        hasCertificate: false,
      },
    );
    expect(await codeOf(caller.contacts.removeCertificate({ certificateId: described!.id }))).toBe(
      "NOT_FOUND",
    );
  });

  it("refuses a file that is not a certificate, and one holding only a CA certificate", async () => {
    const [book] = await caller.contacts.books();
    const contact = await caller.contacts.add({
      bookId: book!.id,
      name: "Fay",
      email: "fay@elsewhere.example",
    });
    const notCert = Buffer.from("Dear Fay, this is a letter, not a certificate.").toString("base64");
    expect(await codeOf(caller.contacts.importCertificate({ contactId: contact.id, file: notCert }))).toBe(
      "BAD_REQUEST",
    );
    const brokenPem = Buffer.from("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").toString(
      "base64",
    );
    expect(await codeOf(caller.contacts.importCertificate({ contactId: contact.id, file: brokenPem }))).toBe(
      "BAD_REQUEST",
    );
    expect(
      await codeOf(
        caller.contacts.importCertificate({ contactId: contact.id, file: ca.pem.toString("base64") }),
      ),
    ).toBe("BAD_REQUEST");
    expect(await codeOf(caller.contacts.importCertificate({ contactId: contact.id, file: "" }))).toBe(
      "BAD_REQUEST",
    );
    expect(await caller.contacts.certificates({ contactId: contact.id })).toEqual([]);
  });
});
