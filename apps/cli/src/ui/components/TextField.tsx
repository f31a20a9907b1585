import { Text } from "ink";
import { fit, withoutControls } from "../text.js";
import { useKeys } from "../use-keys.js";

export interface TextFieldProps {
  label: string;
  value: string;
  onChange(value: string): void;
  onSubmit?(value: string): void;
  /** Passwords: each character shows as "*". */
  mask?: boolean;
  active: boolean;
  width: number;
}

/** One line of input: typing, paste, Backspace; Enter submits. The cursor is a block at the end. */
export function TextField({ label, value, onChange, onSubmit, mask, active, width }: TextFieldProps) {
  useKeys(
    (input, key) => {
      if (key.return) onSubmit?.(value);
      else if (key.backspace || key.delete) onChange(value.slice(0, -1));
      else if (key.ctrl && input === "u") onChange("");
      else if (!key.ctrl && !key.meta && !key.escape && !key.tab && input) {
        // A paste arrives as one chunk; a line break in it submits what came before.
        const [line = "", ...rest] = input.split(/\r\n?|\n/);
        const text = value + withoutControls(line, "");
        if (text !== value) onChange(text);
        if (rest.length > 0) onSubmit?.(text);
      }
    },
    { isActive: active },
  );
  const shown = mask ? "*".repeat(value.length) : value;
  const room = Math.max(1, width - label.length - 3);
  // The end of a long value stays in view, where the typing is.
  const tail = shown.length > room ? `…${shown.slice(shown.length - room + 1)}` : shown;
  return (
    <Text wrap="truncate-end">
      {fit(label, width)}: {tail}
      {active ? <Text inverse> </Text> : null}
    </Text>
  );
}
