// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { formatMailbox, joinMailboxes, lastTyped, splitMailboxes } from "./addresses";
import { textFromHtml } from "./html-text";
import { draftPrefill, forwardPrefill, type MessageView, quote, replyPrefill, replySubject } from "./prefill";

const me = {
  address: "bob@example.test",
  realName: "Bob",
  fromAddress: "bob@example.test",
  domain: "example.test",
  role: "user",
  smimeEnabled: true,
};

function view(headers: Partial<MessageView["headers"]>, extra: Partial<MessageView> = {}): MessageView {
  return {
    summary: {
      id: "m1",
      mailboxId: "b1",
      from: "",
      to: "",
      subject: "",
      date: 0,
      size: 0,
      flags: [],
      security: "plain",
      cipher: null,
    },
    state: "plain",
    failure: null,
    layers: [],
    headers: {
      subject: "Plans",
      from: "Alice Example <alice@example.test>",
      to: "bob@example.test",
      cc: "",
      bcc: "",
      replyTo: "",
      date: null,
      messageId: "<m1@example.test>",
      inReplyTo: null,
      references: "<m0@example.test>",
      ...headers,
    },
    text: "one\n\nthree\n",
    html: null,
    attachments: [],
    ...extra,
  } as MessageView;
}

describe("addresses as the reader shows them", () => {
  it("keeps a display name with a comma together and quotes it again", () => {
    const list = splitMailboxes("Doe, John <j@x.test>, bob@y.test");
    expect(list).toEqual([
      { name: "Doe, John", address: "j@x.test" },
      { name: "", address: "bob@y.test" },
    ]);
    expect(joinMailboxes(list)).toBe('"Doe, John" <j@x.test>, bob@y.test');
    expect(formatMailbox({ name: "Zoë Ünal", address: "z@x.test" })).toBe("Zoë Ünal <z@x.test>");
  });

  it("finds the word being typed after the last comma", () => {
    expect(lastTyped("a@x.test, bo")).toEqual({ head: "a@x.test, ", word: "bo" });
    expect(lastTyped("bo")).toEqual({ head: "", word: "bo" });
  });
});

describe("reply and forward", () => {
  it("does not stack Re: and quotes every line", () => {
    expect(replySubject("Re: Plans")).toBe("Re: Plans");
    expect(replySubject("RE: Plans")).toBe("RE: Plans");
    expect(replySubject("Plans")).toBe("Re: Plans");
    expect(quote("one\n\nthree\n")).toBe("> one\n>\n> three");
  });

  it("Reply All answers the sender and copies the others, never the user", () => {
    const v = view({
      replyTo: "Lists <list@example.test>",
      to: "bob@example.test, Carol <carol@example.test>",
      cc: "BOB@example.test, dave@example.test, list@example.test",
    });
    const r = replyPrefill(v, me, true);
    expect(r.to).toBe("Lists <list@example.test>");
    expect(r.cc).toBe("Carol <carol@example.test>, dave@example.test");
    expect(r.inReplyTo).toBe("<m1@example.test>");
    expect(r.references).toBe("<m0@example.test> <m1@example.test>");
    expect(r.text).toContain("> one\n>\n> three");
    expect(replyPrefill(v, me, false).cc).toBe("");
  });

  it("starts encrypted when the original was encrypted", () => {
    const v = view({}, { summary: { ...view({}).summary, security: "signed+encrypted" } });
    expect(replyPrefill(v, me, false).encrypt).toBe(true);
    expect(forwardPrefill(v).encrypt).toBe(true);
    expect(replyPrefill(view({}), me, false).encrypt).toBe(false);
  });

  it("quotes the words of an HTML-only message, never its markup", () => {
    const v = view(
      {},
      { text: null, html: "<style>p{}</style><script>x()</script><p>Hi <b>Bob</b></p><p>a<br>b</p>" },
    );
    const r = replyPrefill(v, me, false);
    expect(r.text).toContain("> Hi Bob\n>\n> a\n> b");
    expect(r.text).not.toMatch(/<\/?[bp]>|x\(\)/);
  });

  it("forwards with Fwd: and carries the attachments that are not inline", () => {
    const v = view(
      { subject: "Fwd: Plans" },
      {
        attachments: [
          {
            index: 0,
            filename: "a.pdf",
            contentType: "application/pdf",
            size: 1,
            inline: false,
            contentId: null,
            smime: false,
          },
          {
            index: 1,
            filename: "logo.png",
            contentType: "image/png",
            size: 1,
            inline: true,
            contentId: "x",
            smime: false,
          },
        ],
      },
    );
    const f = forwardPrefill(v);
    expect(f.subject).toBe("Fwd: Plans");
    expect(f.carry.map((a) => a.filename)).toEqual(["a.pdf"]);
    expect(f.to).toBe("");
  });

  it("reopens a draft as it was typed, Bcc included", () => {
    const d = draftPrefill(view({ bcc: "carol@example.test" }, { text: "body\n" }));
    expect(d.bcc).toBe("carol@example.test");
    expect(d.text).toBe("body");
    expect(d.draftId).toBe("m1");
  });
});

describe("textFromHtml", () => {
  it("reads cells on one line and skips scripts and styles", () => {
    expect(textFromHtml("<table><tr><td>a</td><td>b</td></tr></table><script>evil()</script>")).toBe("a b");
  });
});
