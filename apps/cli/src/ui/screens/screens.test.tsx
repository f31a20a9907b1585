import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fitsTerminal, renderClient } from "../test-support/render-client.js";
import {
  ALICE,
  BOB,
  openHomeStore,
  SECRET_SUBJECT,
  SECURE_PASSWORD,
  seedHome,
} from "../test-support/seed.js";
import { waitFor } from "../test-support/wait.js";

/** Ctrl-<letter> as a terminal sends it. */
const ctrl = (letter: string) => String.fromCharCode(letter.toUpperCase().charCodeAt(0) - 64);
const ESC = String.fromCharCode(27);

describe("the terminal client's screens", () => {
  let home: string;
  let store: Store;
  let aliceId: string;
  beforeAll(async () => {
    ({ home } = await seedHome({ plain: 2 }));
    store = await openHomeStore(home);
    aliceId = (await store.accounts.require(ALICE)).id;
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });

  it("compose: Send Signed / Send Encrypted only while unlocked, recipients completed, those without a certificate named before sending; attachments by path, the body inline and in $EDITOR", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sealbox-tui-compose-"));
    const attachment = join(dir, "figures.csv");
    const csv = "quarter,amount\nQ3,42\n";
    writeFileSync(attachment, csv);
    // An editor that appends a line to the file it is given, as a user would in vi.
    const editor = join(dir, "editor.sh");
    writeFileSync(editor, `#!/bin/sh\nprintf '\\nAdded in the editor\\n' >> "$1"\n`, { mode: 0o755 });
    const c = renderClient(store, { EDITOR: editor });
    await c.login();
    await c.type("c");
    await c.until("To         :");
    expect(c.frame()).not.toContain("Send Signed");
    await c.type(ctrl("l"));
    await c.until("Secure Mail Password:");
    await c.type(SECURE_PASSWORD);
    await c.type("\r");
    await c.until("[ ] Send Encrypted", 60_000);
    // Completion from the directory (Bob's certificate is published): Tab takes it.
    await c.type("bo");
    await c.until(`<${BOB}> [@]`);
    await c.type("\t");
    await c.until(`To         : ${BOB},`);
    await c.type("\r");
    await c.type("nobody@elsewhere.example");
    await c.type("\r");
    await c.type("\r");
    await c.type("Figures, encrypted");
    await c.type("\r");
    await c.type(attachment);
    await c.type("\r");
    await c.type("Line one");
    await c.type("\r");
    await c.type("Line two");
    await c.type(ctrl("o"));
    await c.until("Added in the editor");
    await c.type(ctrl("e"));
    await c.type(ctrl("g"));
    await c.until("[x] Send Signed [x] Send Encrypted");
    expect(fitsTerminal(c.frame())).toBe(true);
    await c.type(ctrl("x"));
    await c.until("Not sent: cannot encrypt to nobody@elsewhere.example (no certificate).");
    expect(c.frame()).toContain("No certificate: nobody@elsewhere.example");
    const bob = await store.accounts.require(BOB);
    const bobInbox = await store.mailboxes.require(bob.id, "INBOX");
    expect((await store.listMessages(bob.id, bobInbox.id)).messages).toHaveLength(0);

    // Drop the Cc (Shift-Tab back to it, Ctrl-U clears), then send for real.
    for (let i = 0; i < 4; i++) await c.type("\u001b[Z");
    await c.until("Cc         : nobody@elsewhere.example");
    await c.type(ctrl("u"));
    await c.type(ctrl("x"));
    await c.until(/Sent \(signed\+encrypted AES-256-CBC\)\./, 60_000);
    const got = (await store.listMessages(bob.id, bobInbox.id)).messages;
    // The listing knows the outer layer; reading opens both, as the web does.
    expect(got.map((m) => [m.subject, m.security])).toEqual([["Figures, encrypted", "encrypted"]]);
    const read = await store.reading.read(bob.id, got[0]?.id ?? "", { access: "bob secure mail password" });
    expect(read.text?.replace(/\r\n/g, "\n").trim()).toBe("Line one\nLine two\nAdded in the editor");
    expect(read.attachments.map((a) => [a.filename, a.size])).toEqual([
      ["figures.csv", Buffer.byteLength(csv)],
    ]);
    expect(read.layers.map((l) => l.type)).toEqual(["encrypted", "signed"]);
    c.unmount();
  }, 240_000);

  it("Take Certificate files the signer, and the address book shows the contact with [@]", async () => {
    const c = renderClient(store);
    await c.login();
    await c.unlock();
    await c.until(SECRET_SUBJECT);
    await c.type("\r");
    await c.until("Content Unaltered as Verified By:", 60_000);
    await c.type("t");
    await c.until("Certificate of Bob Sender <bob@tui.example> taken into the address book.", 60_000);
    await c.type(ESC);
    await c.until("a Address Books");
    await c.type("a");
    await c.until("Address Book");
    await c.type("\r");
    await c.until(/\[@\] Bob Sender\s+bob@tui\.example/);
    expect(fitsTerminal(c.frame())).toBe(true);
    c.unmount();
  }, 240_000);

  it("Encrypt All over a folder with a progress bar, Esc cancels after the message in hand; Decrypt All does the rest back", async () => {
    // Enough messages that the run is still going when Esc arrives on a loaded machine.
    const COUNT = 300;
    const box = await store.mailboxes.create(aliceId, "Archive");
    for (let i = 0; i < COUNT; i++)
      await store.messages.append(
        aliceId,
        box.id,
        Buffer.from(
          `From: carol@elsewhere.example\r\nTo: ${ALICE}\r\nSubject: archived ${i}\r\n\r\nbody ${i}\r\n`,
        ),
      );
    const c = renderClient(store);
    await c.login();
    await c.unlock();
    await c.type("f");
    await c.until("Archive");
    const boxes = await store.mailboxes.list(aliceId);
    const index = boxes.findIndex((b) => b.name === "Archive");
    await c.type("k".repeat(10));
    for (let i = 0; i < index; i++) await c.type("j");
    await c.type("\r");
    await c.until(`archived ${COUNT - 1}`);
    await c.type("E");
    await c.until(new RegExp(`\\[#*\\.*\\] [1-9]\\d* of ${COUNT}`), 60_000);
    await c.type(ESC);
    await c.until(/Finished: cancelled/, 120_000);
    const afterCancel = await store.listMessages(aliceId, box.id, { limit: 1000 });
    const encrypted = afterCancel.messages.filter((m) => m.security === "encrypted").length;
    expect(encrypted).toBeGreaterThan(0);
    expect(encrypted).toBeLessThan(COUNT);
    expect(afterCancel.messages).toHaveLength(COUNT);
    await c.type(ESC);
    await c.until("archived");
    await c.type("D");
    await c.until(/Finished: done \(\d+ decrypted, 0 skipped, 0 failed\)/, 120_000);
    expect(c.frame()).toMatch(new RegExp(`decrypted ${encrypted} of ${encrypted} messages in Archive`));
    const after = await store.listMessages(aliceId, box.id, { limit: 1000 });
    expect(after.messages.every((m) => m.security === "plain")).toBe(true);
    c.unmount();
  }, 300_000);

  it("Secure Mail settings: the certificate, Export, Modify Secure Mail Password, Remove with the PFX, Generate, a refused Import (passwords masked)", async () => {
    const c = renderClient(store);
    await c.login();
    await c.unlock();
    await c.type("s");
    await c.until("SHA-256");
    const status = await store.secureMail.status(aliceId);
    expect(c.frame()).toContain(status.subject ?? "no subject");
    await c.type("x");
    await c.until("Save as (file):");
    const out = join(mkdtempSync(join(tmpdir(), "sealbox-tui-export-")), "CertAndKey.pfx");
    await c.type(out);
    await c.type("\r");
    await c.until("File password:");
    await c.type("export file password");
    expect(c.frame()).not.toContain("export file password");
    await c.type("\r");
    await c.until("Verify file password:");
    await c.type("export file password");
    await c.type("\r");
    await c.until(`Exported to ${out}.`, 60_000);
    expect(existsSync(out)).toBe(true);
    // The file opens with its password: store's own import check reads it back.
    await waitFor(
      () => readFileSync(out).length > 0,
      () => "empty export",
    );
    const other = await store.accounts.add(`carol@${ALICE.split("@")[1]}`, { password: "carol login" });
    await store.secureMail.importPfx(
      other.account.id,
      readFileSync(out),
      "export file password",
      "carol secure mail password",
    );
    expect((await store.secureMail.status(other.account.id)).certificateSha256).toBe(
      status.certificateSha256,
    );

    // Modify Secure Mail Password: the new one must be typed twice, alike.
    await c.type("p");
    await c.until("New Secure Mail Password:");
    await c.type("a new secure mail password");
    await c.type("\r");
    await c.type("a different one entirely");
    await c.type("\r");
    await c.until("The passwords do not match: nothing was changed.");
    await c.type("p");
    await c.until("New Secure Mail Password:");
    await c.type("a new secure mail password");
    await c.type("\r");
    await c.type("a new secure mail password");
    await c.type("\r");
    await c.until("The Secure Mail Password was changed.", 60_000);
    await store.secureMail.verifyPassword(aliceId, "a new secure mail password");

    // Remove: only with a PFX that holds this key (the one just exported).
    await c.type("r");
    await c.until("PFX file holding this key:");
    await c.type(out);
    await c.type("\r");
    await c.type("export file password");
    await c.type("\r");
    await c.until("The key and certificate were removed", 60_000);
    await c.until("No key yet: Import one (i) or Generate one (g).");
    expect((await store.secureMail.status(aliceId)).hasKey).toBe(false);

    // Generate: a new key from the server CA under a new Secure Mail Password (typed twice).
    await c.type("g");
    await c.until("New Secure Mail Password:");
    expect(c.frame()).toContain("A forgotten Secure Mail Password cannot be recovered");
    await c.type("generated secure mail password");
    await c.type("\r");
    await c.type("generated secure mail password");
    await c.type("\r");
    await c.until("A new key and certificate were issued by the server CA.", 120_000);
    await c.until("Issuer       CN=Sealbox Secure Mail CA");
    const generated = await store.secureMail.status(aliceId);
    expect(generated.hasKey).toBe(true);
    expect(generated.certificateSha256).not.toBe(status.certificateSha256);
    await store.secureMail.verifyPassword(aliceId, "generated secure mail password");

    // Import of the removed key: the store refuses a certificate its CA revoked on removal, and
    // the client shows the store's sentence; the generated key stays.
    await c.type("i");
    await c.until("PFX file:");
    await c.type(out);
    await c.type("\r");
    await c.type("export file password");
    await c.type("\r");
    await c.until("Secure Mail Password:");
    await c.type("generated secure mail password");
    await c.type("\r");
    await c.until("The server CA revoked this certificate when it was replaced or removed", 120_000);
    expect(c.frame()).not.toContain("a bug");
    expect((await store.secureMail.status(aliceId)).certificateSha256).toBe(generated.certificateSha256);
    c.unmount();
  }, 240_000);

  it("lists the rules in the order they run, Store Encrypted among them", async () => {
    await store.rules.add(
      { accountId: aliceId },
      {
        name: "Keep secrets",
        priority: 2,
        match: "all",
        conditions: [{ field: "Subject", op: "is", value: "*secret*" }],
        actions: [{ action: "Store Encrypted in", argument: "INBOX" }],
        stop: true,
      },
    );
    const c = renderClient(store);
    await c.login();
    await c.type("r");
    await c.until('Account rule "Keep secrets" (priority 2)');
    expect(c.frame()).toContain("Store Encrypted in INBOX");
    c.unmount();
  }, 120_000);

  it("a signature from outside the trust anchors: the reason in the web's words, and Take Certificate asks first, showing the fingerprint", async () => {
    // Dave signs with a self-signed certificate made by OpenSSL (the real peer).
    const dir = mkdtempSync(join(tmpdir(), "sealbox-tui-dave-"));
    const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    openssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "dave.key",
      "-out",
      "dave.crt",
      "-days",
      "30",
      "-subj",
      "/CN=Dave Outside/emailAddress=dave@outside.example",
      "-addext",
      "subjectAltName=email:dave@outside.example",
      "-addext",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "-addext",
      "extendedKeyUsage=emailProtection",
    ]);
    writeFileSync(join(dir, "body.txt"), "Signed outside.\n");
    openssl([
      "cms",
      "-sign",
      "-in",
      "body.txt",
      "-text",
      "-signer",
      "dave.crt",
      "-inkey",
      "dave.key",
      "-from",
      "dave@outside.example",
      "-to",
      ALICE,
      "-subject",
      "From outside",
      "-out",
      "signed.eml",
    ]);
    const inbox = await store.mailboxes.require(aliceId, "INBOX");
    await store.messages.append(aliceId, inbox.id, readFileSync(join(dir, "signed.eml")));
    const fingerprint = execFileSync("openssl", [
      "x509",
      "-in",
      join(dir, "dave.crt"),
      "-noout",
      "-fingerprint",
      "-sha256",
    ])
      .toString()
      .trim()
      .split("=")[1];

    const c = renderClient(store);
    await c.login();
    await c.until("From outside");
    await c.type("\r");
    await c.until("Signature Not Verified: Dave Outside <dave@outside.example>");
    expect(c.frame()).toContain("Signed Data (Text SHA-256)");
    expect(c.frame()).toContain("The signer's certificate was not issued by a trusted authority.");
    expect(c.frame()).not.toContain("Content Unaltered as Verified By:");
    await c.type("t");
    await c.until("not from a trusted authority. Take it anyway?");
    // The fingerprint in full (wrapped at the edge), as OpenSSL computes it.
    expect(c.frame().replace(/\n/g, "")).toContain(`SHA-256 ${fingerprint}`);
    expect(c.frame()).toContain("y Take It · n Cancel");
    expect(await store.contacts.findByEmail(aliceId, "dave@outside.example")).toEqual([]);
    await c.type("y");
    await c.until("Certificate of Dave Outside <dave@outside.example> taken into the address book.", 60_000);
    const [dave] = await store.contacts.findByEmail(aliceId, "dave@outside.example");
    expect(dave?.hasCertificate).toBe(true);
    c.unmount();
  }, 240_000);
});
