import type { MessagePage } from "@sealbox/store";
import { Text } from "ink";
import { useEffect, useState } from "react";
import { bodyHeight, Frame } from "../components/Frame.js";
import { type MailboxRef, useShell } from "../shell.js";
import { cell, shortDate } from "../text.js";
import { useKeys } from "../use-keys.js";

const HELP: Array<[string, string]> = [
  ["↑↓", "Select"],
  ["Enter", "Open"],
  ["n/p", "Page"],
  ["f", "Folders"],
  ["c", "Compose"],
  ["s", "Secure Mail"],
  ["a", "Address Books"],
  ["r", "Rules"],
  ["E/D", "Encrypt/Decrypt All"],
  ["q", "Quit"],
];

/** "S" signed, "E" encrypted: the list's security markers (the legend is in the column header). */
export function securityMarker(security: string): string {
  return `${security.includes("signed") ? "S" : " "}${security.includes("encrypted") ? "E" : " "}`;
}

/**
 * A mailbox, newest first, one page at a time (as many rows as the terminal has): the newest
 * message is selected; moving past the last row turns the page.
 */
export function MessageList({ mailbox }: { mailbox: MailboxRef }) {
  const shell = useShell();
  const rows = bodyHeight(shell.height, HELP, shell.width) - 1;
  // cursors[i] is the cursor page i starts from (null: the newest).
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [page, setPage] = useState<MessagePage | null>(null);
  const [selected, setSelected] = useState(0);
  const pageNo = cursors.length - 1;
  const cursor = cursors[pageNo] ?? null;
  useEffect(() => {
    shell.session.page(mailbox.id, rows, cursor).then((p) => {
      setPage(p);
      setSelected((s) => Math.min(s, Math.max(0, p.messages.length - 1)));
    }, shell.fail);
  }, [shell.session, mailbox.id, rows, cursor]);

  const next = () => {
    if (page?.nextCursor) {
      setCursors((c) => [...c, page.nextCursor]);
      setSelected(0);
    }
  };
  const prev = (toLast: boolean) => {
    if (pageNo === 0) return;
    setCursors((c) => c.slice(0, -1));
    setSelected(toLast ? rows - 1 : 0);
  };
  useKeys(
    (input, key) => {
      const count = page?.messages.length ?? 0;
      if (key.upArrow || input === "k") {
        if (selected === 0) prev(true);
        else setSelected(selected - 1);
      } else if (key.downArrow || input === "j") {
        if (selected >= count - 1) next();
        else setSelected(selected + 1);
      } else if (key.pageDown || input === "n") next();
      else if (key.pageUp || input === "p") prev(false);
      else if (key.return) {
        const m = page?.messages[selected];
        if (m) shell.go({ name: "message", mailbox, messageId: m.id });
      } else if (input === "f" || key.escape) shell.go({ name: "folders" });
      else if (input === "c") shell.go({ name: "compose", mailbox });
      else if (input === "E") shell.go({ name: "bulk", mailbox, kind: "encrypt" });
      else if (input === "D") shell.go({ name: "bulk", mailbox, kind: "decrypt" });
      else if (input === "s") shell.go({ name: "settings", mailbox });
      else if (input === "a") shell.go({ name: "books", mailbox });
      else if (input === "r") shell.go({ name: "rules", mailbox });
      else if (input === "q") shell.quit();
    },
    { isActive: shell.active },
  );

  const dateW = 16;
  const fromW = Math.max(8, Math.min(28, Math.floor((shell.width - 24) / 3)));
  const subjectW = Math.max(4, shell.width - 2 - 3 - dateW - fromW - 3);
  const messages = page?.messages ?? [];
  return (
    <Frame help={HELP}>
      <Text bold wrap="truncate-end">
        {"  "}
        {"SE "}
        {cell("Date", dateW)} {cell("From", fromW)} {cell(`Subject (page ${pageNo + 1})`, subjectW)}
      </Text>
      {page && messages.length === 0 ? <Text dimColor>No messages in {mailbox.name}.</Text> : null}
      {messages.map((m, i) => {
        const unread = !m.flags.includes("seen");
        return (
          <Text key={m.id} inverse={i === selected} bold={unread} wrap="truncate-end">
            {unread ? "● " : "  "}
            {securityMarker(m.security)} {cell(shortDate(m.date), dateW)} {cell(m.from, fromW)}{" "}
            {cell(m.subject || "(no subject)", subjectW)}
          </Text>
        );
      })}
    </Frame>
  );
}
