import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { WORDS_VERIFIED_BY } from "~/components/shell/words";
import { type ContentView, MessageContent } from "./MessageContent";
import type { SignerData } from "./types";

const headers = {
  subject: "Quarterly numbers",
  from: "Carol Example <carol@example.test>",
  to: "alice@example.test",
  cc: "",
  bcc: "",
  replyTo: "",
  date: "2026-01-02T03:04:05.000Z",
  messageId: null,
  inReplyTo: null,
  references: null,
};

function signer(over: Partial<SignerData>): SignerData {
  return {
    index: 0,
    name: "Carol Example",
    email: "carol@example.test",
    display: "Carol Example <carol@example.test>",
    status: "valid",
    valid: true,
    reason: "ok",
    problem: null,
    digest: "SHA-256",
    signingTime: null,
    certificate: null,
    storedCertificate: null,
    changed: false,
    ...over,
  };
}

function view(over: Partial<ContentView>): ContentView {
  return {
    summary: { id: "m1" },
    state: "opened",
    failure: null,
    layers: [],
    headers,
    text: "The quarterly numbers are attached in spirit.",
    html: null,
    attachments: [],
    ...over,
  };
}

const encrypted = {
  type: "encrypted",
  kind: "enveloped",
  cipher: "AES-256-CBC",
  recipients: 1,
  banner: "Encrypted AES-256-CBC",
} as const;

const signed = (signers: SignerData[]) =>
  ({
    type: "signed",
    form: "detached",
    digest: "SHA-256",
    content: "Text",
    banner: "Signed Data (Text SHA-256)",
    signers,
    verified: signers.some((s) => s.valid),
    scope: "message",
    path: null,
    verifiedBy: WORDS_VERIFIED_BY,
  }) as const;

const render = (v: ContentView, locked?: string) =>
  renderToStaticMarkup(<MessageContent view={v} headingId="h" locked={locked} />);

/** Text in document order, tags removed (what a reader sees, top to bottom). */
const plain = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");

describe("MessageContent", () => {
  it("signed inside encrypted: both banners (encrypted first), headers, content, then the verifying signers", () => {
    const text = plain(render(view({ layers: [encrypted, signed([signer({})])] })));
    const order = [
      "Encrypted AES-256-CBC",
      "Signed Data (Text SHA-256)",
      "Quarterly numbers",
      "The quarterly numbers are attached in spirit.",
      WORDS_VERIFIED_BY,
      "Carol Example <carol@example.test>",
    ].map((s) => text.lastIndexOf(s));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("a signature over one part only (a list's footer around it): the banner and the verified line name the part", () => {
    const part = {
      ...signed([signer({})]),
      banner: "Signed Part 1 (Text SHA-256)",
      scope: "part",
      path: "1",
      verifiedBy: "Part 1 Unaltered as Verified By:",
    } as const;
    const text = plain(render(view({ layers: [part] })));
    expect(text).toContain("Signed Part 1 (Text SHA-256)");
    expect(text).toContain("Part 1 Unaltered as Verified By:");
    expect(text).toContain("Carol Example <carol@example.test>");
    // Nothing claims the whole message is covered.
    expect(text).not.toContain(WORDS_VERIFIED_BY);
    expect(text).not.toContain("Signed Data (");
  });

  it("no valid signer: an alert that says why and names the signer, and no verified-by text anywhere", () => {
    const bad = signer({
      status: "bad-signature",
      valid: false,
      problem: "The content was altered after it was signed: the signature does not match it.",
      reason: "message digest mismatch",
    });
    const html = render(view({ layers: [signed([bad])] }));
    expect(html).not.toContain("Content Unaltered");
    const alert = /<div role="alert"[^>]*>(.*?)<\/ul><\/div>/s.exec(html)?.[1] ?? "";
    expect(plain(alert)).toContain("altered");
    expect(plain(alert)).toContain("Carol Example <carol@example.test>");
    expect(plain(alert)).toContain("message digest mismatch");
  });

  it("lists signers that did not verify apart from the valid ones", () => {
    const text = plain(
      render(
        view({
          layers: [
            signed([
              signer({}),
              signer({
                index: 1,
                display: "Mallory <m@evil.test>",
                status: "untrusted",
                valid: false,
                problem: "The signer's certificate was not issued by a trusted authority.",
                reason: "no path to a trust anchor",
              }),
            ]),
          ],
        }),
      ),
    );
    expect(text).toContain(WORDS_VERIFIED_BY);
    const verified = text.indexOf(WORDS_VERIFIED_BY);
    expect(text.indexOf("Carol Example <carol@example.test>", verified)).toBeGreaterThan(verified);
    expect(text.indexOf("Mallory <m@evil.test>")).toBeGreaterThan(text.indexOf("not verified"));
    expect(text).toContain("no path to a trust anchor");
  });

  it("a signer whose certificate changed since it was taken: a warning beside the banner with both fingerprints", () => {
    const cert = {
      subject: "CN=Carol Example",
      issuer: "CN=CA",
      emails: ["carol@example.test"],
      notBefore: "2026-01-01T00:00:00.000Z",
      notAfter: "2027-01-01T00:00:00.000Z",
      sha256: "ab".repeat(32),
      serial: "01",
    };
    const changed = signer({
      certificate: cert,
      storedCertificate: { sha256: "0f".repeat(32) },
      changed: true,
    });
    const html = render(view({ layers: [signed([changed])] }));
    const text = plain(html);
    const warning = text.indexOf("Certificate changed since it was taken");
    expect(warning).toBeGreaterThan(text.indexOf("Signed Data (Text SHA-256)"));
    expect(warning).toBeLessThan(text.indexOf("Quarterly numbers"));
    expect(text).toContain(Array(32).fill("0F").join(":"));
    expect(text).toContain(Array(32).fill("AB").join(":"));
    expect(html).toMatch(/role="alert"/);
    // The same certificate as stored, or none stored: no warning.
    for (const quiet of [
      signer({ certificate: cert, storedCertificate: { sha256: cert.sha256 }, changed: false }),
      signer({ certificate: cert }),
    ])
      expect(render(view({ layers: [signed([quiet])] }))).not.toContain("Certificate changed");
  });

  it("locked: the word Encrypted and the unlock slot, nothing of the content", () => {
    const html = render(view({ state: "locked", text: null, layers: [] }), "UNLOCK-FORM");
    expect(plain(html)).toMatch(/\bEncrypted\b/);
    expect(html).toContain("UNLOCK-FORM");
    expect(html).not.toContain("quarterly numbers are attached");
  });

  it("failed: an alert with the failure", () => {
    const html = render(
      view({ state: "failed", text: null, failure: { code: "x", message: "Cannot open: damaged" } }),
    );
    expect(html).toMatch(/role="alert"[^>]*>Cannot open: damaged/);
  });

  it("never puts message HTML into the page (only the sandboxed frame gets it, after sanitising)", () => {
    const html = render(
      view({ text: null, html: '<img src="https://evil.test/x" onerror="alert(1)"><b>bold</b>' }),
    );
    expect(html).not.toContain("evil.test");
    expect(html).not.toContain("<b>bold</b>");
  });

  it("lists attachments with download links and notes nested S/MIME parts", () => {
    const html = render(
      view({
        attachments: [
          {
            index: 0,
            filename: "smime.p7m",
            contentType: "application/pkcs7-mime",
            size: 2048,
            inline: false,
            contentId: null,
            smime: true,
          },
        ],
      }),
    );
    expect(html).toContain('href="/api/attachments/m1/0"');
    expect(plain(html)).toContain("not opened in line");
  });
});
