import type { ReadMessageView, TakeCertificateView } from "@sealbox/store";
import { fingerprintText, WORDS } from "@sealbox/store/words";
import { Box, Text } from "ink";
import { useCallback, useEffect, useState } from "react";
import { bodyHeight, Frame } from "../components/Frame.js";
import { type MailboxRef, useShell } from "../shell.js";
import { fit, wrapLines } from "../text.js";
import { useTheme } from "../theme.js";
import { useKeys } from "../use-keys.js";

/** One line of the security block, already in the web's words. */
interface Line {
  text: string;
  tone: "ok" | "bad" | "plain" | "warn";
  bold?: boolean;
}

/**
 * The S/MIME layers as the web shows them, outermost first: `Encrypted AES-256-CBC`,
 * `Signed Data (Text SHA-256)`, `Content Unaltered as Verified By:` and each signer
 * `Name <address>` — or, per signer, `Signature Not Verified`, why, and core's reason.
 */
export function securityLines(view: ReadMessageView): Line[] {
  const out: Line[] = [];
  if (view.state === "locked") {
    const outer = view.layers.find((l) => l.type === "encrypted");
    out.push({ text: outer ? outer.banner : WORDS.encrypted, tone: "plain", bold: true });
    out.push({ text: `${WORDS.locked}: unlock to read this message.`, tone: "warn" });
    return out;
  }
  for (const layer of view.layers) {
    if (layer.type === "encrypted") {
      out.push({ text: layer.banner, tone: "ok", bold: true });
      continue;
    }
    out.push({ text: layer.banner, tone: layer.verified ? "ok" : "bad", bold: true });
    const good = layer.signers.filter((s) => s.valid);
    if (good.length > 0) {
      out.push({ text: WORDS.verifiedBy, tone: "ok" });
      for (const s of good) out.push({ text: `  ${s.display}`, tone: "ok" });
    }
    for (const s of layer.signers.filter((x) => !x.valid)) {
      out.push({ text: `${WORDS.notVerified}: ${s.display}`, tone: "bad", bold: true });
      out.push({ text: `  ${s.problem ?? ""} ${s.reason}`.trimEnd(), tone: "bad" });
    }
    for (const s of layer.signers.filter((x) => x.changed))
      out.push({ text: `${WORDS.certificateChanged}: ${s.display}`, tone: "warn" });
  }
  if (view.state === "failed" && view.failure)
    out.push({ text: `Could not be opened: ${view.failure.message}`, tone: "bad", bold: true });
  return out;
}

/** The text to read: the plain part, else the HTML part's text (never rendered as HTML here). */
function bodyText(view: ReadMessageView): string {
  if (view.text !== null) return view.text;
  if (view.html !== null)
    return view.html
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
      .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, "\n")
      .replace(/<[^>]*>/g, "")
      .replace(/&nbsp;/g, " ")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
  return "";
}

function sizeText(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${Math.round(bytes / 1024)} kB`;
}

/** A signed layer's signer for Take Certificate: the first one (the usual single signer). */
function signerOf(view: ReadMessageView): { layer: number; index: number } | null {
  for (const [layer, l] of view.layers.entries())
    if (l.type === "signed" && l.signers[0]) return { layer, index: l.signers[0].index };
  return null;
}

/**
 * A message: headers, the Secure Mail verdicts, attachments and the body, scrolled with the
 * arrows. Opened while locked, an encrypted message asks for the Secure Mail Password here
 * and shows itself once unlocked. Decrypt / Encrypt replace the stored message in place.
 */
export function MessageView({ mailbox, messageId }: { mailbox: MailboxRef; messageId: string }) {
  const shell = useShell();
  const theme = useTheme();
  const [id, setId] = useState(messageId);
  const [view, setView] = useState<ReadMessageView | null>(null);
  const [scroll, setScroll] = useState(0);
  const [confirm, setConfirm] = useState<TakeCertificateView | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    (which: string) => {
      shell.session.read(which).then((v) => {
        setView(v);
        if (!v.summary.flags.includes("seen")) shell.session.markSeen(which).catch(() => {});
        if (v.state === "locked") shell.askUnlock(() => load(which));
      }, shell.fail);
    },
    [shell.session],
  );
  useEffect(() => load(id), [id]);

  const encrypted = view?.layers.some((l) => l.type === "encrypted") || view?.state === "locked";
  const signer = view ? signerOf(view) : null;
  const help: Array<[string, string]> = confirm
    ? [
        ["y", confirm.why === "replace" ? "Replace It" : "Take It"],
        ["n", "Cancel"],
      ]
    : [
        ["↑↓", "Scroll"],
        ...(encrypted && view?.state === "opened" ? [["d", "Decrypt"] as [string, string]] : []),
        ...(!encrypted && view ? [["e", "Encrypt"] as [string, string]] : []),
        ...(signer && view?.state !== "locked" ? [["t", "Take Certificate"] as [string, string]] : []),
        ["Esc", "Back"],
      ];

  const take = (force: boolean) => {
    if (!signer) return;
    shell.session.takeCertificate(id, signer.layer, signer.index, force).then((r) => {
      if (r.status === "needs-confirmation") {
        setConfirm(r);
        return;
      }
      setConfirm(null);
      const who = r.contact ? `${r.contact.name} <${r.contact.email}>` : "the signer";
      shell.notify(
        r.status === "taken"
          ? `Certificate of ${who} taken into the address book.`
          : `The address book already holds this certificate of ${who}.`,
        "ok",
      );
      load(id);
    }, shell.fail);
  };

  const inPlace = (kind: "decrypt" | "encrypt") => {
    setBusy(true);
    shell.notify(kind === "decrypt" ? "Decrypting…" : "Encrypting…");
    (kind === "decrypt" ? shell.session.decrypt(id) : shell.session.encrypt(id)).then(
      (summary) => {
        setBusy(false);
        shell.notify(
          kind === "decrypt"
            ? "Decrypted: the plaintext replaced the encrypted message."
            : `Encrypted${summary.cipher ? ` ${summary.cipher}` : ""}: the message is stored encrypted.`,
          "ok",
        );
        setId(summary.id);
      },
      (error: unknown) => {
        setBusy(false);
        shell.fail(error);
      },
    );
  };

  const height = bodyHeight(shell.height, help, shell.width);
  const security = view ? securityLines(view) : [];
  const headers = view
    ? [
        ["From", view.headers.from],
        ["To", view.headers.to],
        ...(view.headers.cc ? [["Cc", view.headers.cc]] : []),
        ["Date", view.headers.date ? new Date(view.headers.date).toLocaleString() : ""],
        ["Subject", view.headers.subject],
      ]
    : [];
  const attachments = view?.attachments.filter((a) => !a.inline) ?? [];
  const fixed = headers.length + security.length + (attachments.length ? 1 : 0) + 1;
  const bodyRows = Math.max(1, height - fixed);
  const lines = view && view.state !== "locked" ? wrapLines(bodyText(view), shell.width) : [];
  const maxScroll = Math.max(0, lines.length - bodyRows);

  useKeys(
    (input, key) => {
      if (confirm) {
        if (input === "y") take(true);
        else if (input === "n" || key.escape) setConfirm(null);
        return;
      }
      if (busy) return;
      if (key.downArrow || input === "j") setScroll((s) => Math.min(maxScroll, s + 1));
      else if (key.upArrow || input === "k") setScroll((s) => Math.max(0, s - 1));
      else if (key.pageDown || input === " ") setScroll((s) => Math.min(maxScroll, s + bodyRows));
      else if (key.pageUp) setScroll((s) => Math.max(0, s - bodyRows));
      else if (key.escape || input === "q") shell.go({ name: "list", mailbox });
      else if (input === "d" && encrypted && view?.state === "opened") inPlace("decrypt");
      else if (input === "e" && !encrypted && view) inPlace("encrypt");
      else if (input === "t" && signer && view?.state !== "locked") take(false);
    },
    { isActive: shell.active },
  );

  const toneColor = (tone: Line["tone"]) =>
    tone === "ok"
      ? theme.color("green")
      : tone === "bad"
        ? theme.color("red")
        : tone === "warn"
          ? theme.color("yellow")
          : undefined;
  return (
    <Frame help={help} globalKeys={confirm === null}>
      {view === null ? <Text dimColor>Opening…</Text> : null}
      {headers.map(([name, value]) => (
        <Text key={name} wrap="truncate-end">
          <Text bold>{name}:</Text> {fit(value ?? "", Math.max(1, shell.width - (name?.length ?? 0) - 2))}
        </Text>
      ))}
      {security.map((l, i) => (
        <Text key={`${i}-${l.text}`} color={toneColor(l.tone)} bold={l.bold === true} wrap="truncate-end">
          {fit(l.text, shell.width)}
        </Text>
      ))}
      {confirm ? (
        <Box flexDirection="column">
          <Text color={theme.color("yellow")} wrap="truncate-end">
            {fit(
              confirm.why === "replace"
                ? `The address book holds another certificate for this address. Replace it?`
                : "The signer's certificate is not from a trusted authority. Take it anyway?",
              shell.width,
            )}
          </Text>
          {/* The whole fingerprint, wrapped: it is what the user compares with the sender's. */}
          {wrapLines(`SHA-256 ${fingerprintText(confirm.fingerprint)}`, shell.width).map((line) => (
            <Text key={line}>{line}</Text>
          ))}
        </Box>
      ) : null}
      {attachments.length ? (
        <Text wrap="truncate-end">
          {fit(
            `Attachments: ${attachments.map((a) => `${a.filename} (${sizeText(a.size)})`).join(", ")}`,
            shell.width,
          )}
        </Text>
      ) : null}
      {view ? <Text dimColor>{"─".repeat(shell.width)}</Text> : null}
      {lines.slice(scroll, scroll + bodyRows).map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line || " "}
        </Text>
      ))}
    </Frame>
  );
}
