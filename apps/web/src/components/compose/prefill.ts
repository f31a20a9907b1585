import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/routers/app";
import { joinMailboxes, type Mailbox, splitMailboxes, uniqueMailboxes } from "./addresses";
import { textFromHtml } from "./html-text";

type Outputs = inferRouterOutputs<AppRouter>;
export type MessageView = Outputs["mail"]["read"];
export type Me = Outputs["auth"]["me"];

/** Where a compose session starts: empty, from a message (reply, forward) or from a draft. */
export type ComposeSource =
  | { kind: "new" }
  | { kind: "reply"; id: string; all: boolean }
  | { kind: "forward"; id: string }
  | { kind: "draft"; id: string };

export interface ComposeInitial {
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  text: string;
  inReplyTo: string | null;
  references: string | null;
  /** Replies to (and forwards of) encrypted mail, and encrypted drafts, start encrypted. */
  encrypt: boolean;
  /** The draft this session replaces when saved and removes when sent. */
  draftId: string | null;
  /** Attachments of the original to carry over (forward, draft). */
  carry: Array<{ index: number; filename: string; contentType: string }>;
}

export const EMPTY: ComposeInitial = {
  to: "",
  cc: "",
  bcc: "",
  subject: "",
  text: "",
  inReplyTo: null,
  references: null,
  encrypt: false,
  draftId: null,
  carry: [],
};

/** The server takes References up to 10,000 characters: the oldest ids go first. */
const REFERENCES_MAX = 9_000;

const oneLine = (value: string | null | undefined) => (value ?? "").replace(/\s+/g, " ").trim();

export function replySubject(subject: string): string {
  return /^\s*re(\[\d+\])?\s*:/i.test(subject) ? subject : `Re: ${subject}`;
}

export function forwardSubject(subject: string): string {
  return /^\s*(fwd?|fw)\s*:/i.test(subject) ? subject : `Fwd: ${subject}`;
}

/** Every line prefixed with "> " (an empty line gets ">" alone). */
export function quote(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/\n+$/, "")
    .split("\n")
    .map((line) => (line ? `> ${line}` : ">"))
    .join("\n");
}

function references(view: MessageView): string | null {
  let refs = oneLine([view.headers.references, view.headers.messageId].filter(Boolean).join(" "));
  while (refs.length > REFERENCES_MAX && refs.includes(" ")) refs = refs.slice(refs.indexOf(" ") + 1);
  return refs && refs.length <= REFERENCES_MAX ? refs : null;
}

/** The body as plain text: the text part, or the words of the HTML part (never its markup). */
function bodyText(view: MessageView): string {
  if (view.text) return view.text;
  return view.html ? textFromHtml(view.html) : "";
}

function dateText(date: string | null): string {
  if (!date) return "";
  const d = new Date(date);
  return Number.isNaN(d.getTime())
    ? date
    : d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

const isEncrypted = (view: MessageView) => view.summary.security.includes("encrypted");

export function replyPrefill(view: MessageView, me: Me | undefined, all: boolean): ComposeInitial {
  const own = [me?.address ?? "", me?.fromAddress ?? ""].filter(Boolean);
  const ownSet = new Set(own.map((a) => a.toLowerCase()));
  const h = view.headers;
  let to: Mailbox[] = splitMailboxes(h.replyTo || h.from);
  // Replying to one's own message (from Sent) goes to its recipients.
  if (to.length > 0 && to.every((m) => ownSet.has(m.address.toLowerCase()))) to = splitMailboxes(h.to);
  to = uniqueMailboxes(to);
  const cc = all
    ? uniqueMailboxes(
        [...splitMailboxes(h.to), ...splitMailboxes(h.cc)],
        [...own, ...to.map((m) => m.address)],
      )
    : [];
  const date = dateText(h.date);
  const who = h.from || "someone";
  const body = bodyText(view);
  return {
    ...EMPTY,
    to: joinMailboxes(to),
    cc: joinMailboxes(cc),
    subject: replySubject(h.subject),
    text: `\n\n${date ? `On ${date}, ` : ""}${who} wrote:\n${quote(body)}\n`,
    inReplyTo: oneLine(h.messageId) || null,
    references: references(view),
    encrypt: isEncrypted(view),
  };
}

export function forwardPrefill(view: MessageView): ComposeInitial {
  const h = view.headers;
  const head = [
    "-------- Forwarded Message --------",
    `Subject: ${h.subject}`,
    ...(h.date ? [`Date: ${dateText(h.date)}`] : []),
    `From: ${h.from}`,
    ...(h.to ? [`To: ${h.to}`] : []),
    ...(h.cc ? [`Cc: ${h.cc}`] : []),
  ];
  return {
    ...EMPTY,
    subject: forwardSubject(h.subject),
    text: `\n\n${quote(`${head.join("\n")}\n\n${bodyText(view)}`)}\n`,
    references: references(view),
    encrypt: isEncrypted(view),
    carry: view.attachments
      .filter((a) => !a.inline)
      .map((a) => ({ index: a.index, filename: a.filename, contentType: a.contentType })),
  };
}

export function draftPrefill(view: MessageView): ComposeInitial {
  const h = view.headers;
  return {
    ...EMPTY,
    to: joinMailboxes(splitMailboxes(h.to)),
    cc: joinMailboxes(splitMailboxes(h.cc)),
    bcc: joinMailboxes(splitMailboxes(h.bcc)),
    subject: h.subject,
    // The line end the message format adds after the text is not part of what was typed.
    text: (view.text ?? (view.html ? textFromHtml(view.html) : "")).replace(/\r?\n$/, ""),
    inReplyTo: oneLine(h.inReplyTo) || null,
    references: oneLine(h.references) || null,
    encrypt: isEncrypted(view),
    draftId: view.summary.id,
    carry: view.attachments.map((a) => ({
      index: a.index,
      filename: a.filename,
      contentType: a.contentType,
    })),
  };
}

export function prefill(source: ComposeSource, view: MessageView, me: Me | undefined): ComposeInitial {
  if (source.kind === "reply") return replyPrefill(view, me, source.all);
  if (source.kind === "forward") return forwardPrefill(view);
  return draftPrefill(view);
}
