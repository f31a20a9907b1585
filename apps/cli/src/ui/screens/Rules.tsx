import { ruleText, type StoredRule } from "@sealbox/store";
import { Text } from "ink";
import { useEffect, useState } from "react";
import { bodyHeight, Frame } from "../components/Frame.js";
import { type MailboxRef, useShell } from "../shell.js";
import { fit } from "../text.js";
import { useTheme } from "../theme.js";
import { useKeys } from "../use-keys.js";

const HELP: Array<[string, string]> = [
  ["↑↓", "Scroll"],
  ["Esc", "Back"],
];

/** The rules that run on delivery, in the order they run: the domain's, then the account's. */
export function Rules({ back }: { back: MailboxRef }) {
  const shell = useShell();
  const theme = useTheme();
  const [rules, setRules] = useState<StoredRule[] | null>(null);
  const [scroll, setScroll] = useState(0);
  useEffect(() => {
    Promise.all([shell.session.domainRules(), shell.session.rules()]).then(
      ([domain, own]) => setRules([...domain, ...own]),
      shell.fail,
    );
  }, [shell.session]);
  const rows = bodyHeight(shell.height, HELP, shell.width);
  const lines: Array<{ text: string; encrypted: boolean; head: boolean }> = [];
  for (const r of rules ?? []) {
    const priority = r.priority === null ? "inactive" : `priority ${r.priority}`;
    lines.push({
      text: `${r.scope === "domain" ? "Domain" : "Account"} rule "${r.name}" (${priority})`,
      encrypted: false,
      head: true,
    });
    lines.push({
      text: `  ${ruleText(r)}`,
      encrypted: r.actions.some((a) => a.action === "Store Encrypted in"),
      head: false,
    });
  }
  useKeys(
    (input, key) => {
      if (key.downArrow || input === "j") setScroll((s) => Math.min(Math.max(0, lines.length - rows), s + 1));
      else if (key.upArrow || input === "k") setScroll((s) => Math.max(0, s - 1));
      else if (key.escape || input === "q") shell.go({ name: "list", mailbox: back });
    },
    { isActive: shell.active },
  );
  return (
    <Frame help={HELP}>
      {rules && rules.length === 0 ? <Text dimColor>No rules.</Text> : null}
      {lines.slice(scroll, scroll + rows).map((l, i) => (
        <Text
          key={i}
          bold={l.head}
          color={l.encrypted ? theme.color("green") : undefined}
          wrap="truncate-end"
        >
          {fit(l.text, shell.width)}
        </Text>
      ))}
    </Frame>
  );
}
