import type { MailboxWithCounts } from "@sealbox/store";
import { Text } from "ink";
import { useEffect, useState } from "react";
import { bodyHeight, Frame } from "../components/Frame.js";
import { useShell } from "../shell.js";
import { cell } from "../text.js";
import { useKeys } from "../use-keys.js";

const HELP: Array<[string, string]> = [
  ["↑↓", "Select"],
  ["Enter", "Open"],
  ["q", "Quit"],
];

/** The folders with their unread and total counts. */
export function Folders() {
  const shell = useShell();
  const [boxes, setBoxes] = useState<MailboxWithCounts[] | null>(null);
  const [selected, setSelected] = useState(0);
  useEffect(() => {
    shell.session.mailboxes().then(setBoxes, shell.fail);
  }, [shell.session]);
  useKeys(
    (input, key) => {
      if (!boxes) return;
      if (key.upArrow || input === "k") setSelected((s) => Math.max(0, s - 1));
      else if (key.downArrow || input === "j") setSelected((s) => Math.min(boxes.length - 1, s + 1));
      else if (key.return) {
        const box = boxes[selected];
        if (box) shell.go({ name: "list", mailbox: { id: box.id, name: box.name } });
      } else if (input === "q") shell.quit();
    },
    { isActive: shell.active },
  );
  const rows = bodyHeight(shell.height, HELP, shell.width) - 1;
  const first = Math.max(0, selected - rows + 1);
  const nameWidth = Math.max(10, shell.width - 24);
  return (
    <Frame help={HELP}>
      <Text bold wrap="truncate-end">
        {cell("Folder", nameWidth)}
        {"  Unread".padStart(10)}
        {"   Total".padStart(10)}
      </Text>
      {(boxes ?? []).slice(first, first + rows).map((box, i) => (
        <Text key={box.id} inverse={first + i === selected} bold={box.unseen > 0} wrap="truncate-end">
          {cell(box.name, nameWidth)}
          {String(box.unseen).padStart(10)}
          {String(box.total).padStart(10)}
        </Text>
      ))}
    </Frame>
  );
}
