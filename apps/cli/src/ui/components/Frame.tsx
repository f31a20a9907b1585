import { Box, Text } from "ink";
import { useState } from "react";
import { useShell } from "../shell.js";
import { fit } from "../text.js";
import { useTheme } from "../theme.js";
import { useKeys } from "../use-keys.js";
import { TextField } from "./TextField.js";

/** Height a help text takes at a width: one line, or two when it does not fit in one. */
export function helpHeight(keys: Array<[string, string]>, width: number): number {
  // Counted with the lock key the frame may add, so a screen never plans for a row it lacks.
  return helpText([...keys, ["u", "Unlock"]]).length > width ? 2 : 1;
}

function helpText(keys: Array<[string, string]>): string {
  return keys.map(([k, what]) => `${k} ${what}`).join(" · ");
}

/** Lines a screen's body may use under a given help text (the unlock prompt takes one more). */
export function bodyHeight(height: number, keys: Array<[string, string]>, width: number): number {
  return Math.max(1, height - helpHeight(keys, width) - 1);
}

/**
 * A screen's frame: its body, the unlock prompt when open, the status line, and the help
 * line(s) with the screen's keys plus u Unlock / l Lock. `keys: false` (a form taking text)
 * leaves every key to the screen.
 */
export function Frame(props: {
  help: Array<[string, string]>;
  children: React.ReactNode;
  globalKeys?: boolean;
}) {
  const shell = useShell();
  const theme = useTheme();
  const [password, setPassword] = useState("");
  const globalKeys = props.globalKeys ?? true;
  const unlocked = shell.lock?.unlocked === true;
  const smime = shell.session.account.smimeEnabled && shell.lock?.hasKey === true;
  // u / l go before the screen's last key (its Quit or Back), so they stay in view.
  const lockKey: Array<[string, string]> =
    smime && globalKeys ? [unlocked ? ["l", "Lock"] : ["u", "Unlock"]] : [];
  const keys: Array<[string, string]> = [...props.help.slice(0, -1), ...lockKey, ...props.help.slice(-1)];
  useKeys(
    (input) => {
      if (input === "u" && smime && !unlocked) shell.askUnlock();
      else if (input === "l" && smime && unlocked) shell.lockNow().catch(shell.fail);
    },
    { isActive: shell.active && globalKeys },
  );
  useKeys(
    (_input, key) => {
      if (key.escape) {
        setPassword("");
        shell.cancelUnlock();
      }
    },
    { isActive: shell.unlocking },
  );
  const text = helpText(keys);
  const lines = text.length > shell.width ? splitHelp(keys, shell.width) : [text];
  const tone = shell.status?.tone;
  const color = tone === "error" ? theme.color("red") : tone === "ok" ? theme.color("green") : undefined;
  const bodyLines = shell.height - lines.length - 1;
  return (
    <Box flexDirection="column" width={shell.width} height={shell.height}>
      <Box flexDirection="column" height={Math.max(1, bodyLines)} overflow="hidden">
        {props.children}
      </Box>
      {shell.unlocking ? (
        <UnlockLine password={password} setPassword={setPassword} width={shell.width} />
      ) : (
        // An empty Text takes no row: a space keeps the help on the frame's last line.
        <Text color={color} wrap="truncate-end">
          {fit(shell.status?.text ?? "", shell.width) || " "}
        </Text>
      )}
      {lines.map((line) => (
        <Text key={line} dimColor wrap="truncate-end">
          {fit(line, shell.width)}
        </Text>
      ))}
    </Box>
  );
}

function UnlockLine(props: { password: string; setPassword(p: string): void; width: number }) {
  const shell = useShell();
  return (
    <TextField
      label="Secure Mail Password"
      value={props.password}
      onChange={props.setPassword}
      mask
      active={shell.unlocking}
      width={props.width}
      onSubmit={(value) => {
        props.setPassword("");
        shell.submitUnlock(value);
      }}
    />
  );
}

function splitHelp(keys: Array<[string, string]>, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const [k, what] of keys) {
    const item = `${k} ${what}`;
    const next = line ? `${line} · ${item}` : item;
    if (next.length > width && line) {
      out.push(line);
      line = item;
    } else line = next;
  }
  out.push(line);
  return out.slice(0, 2);
}
