import { Text } from "ink";
import { fit } from "../text.js";

/** The keys of the screen in hand, always on its last line: "Enter Open · d Decrypt · q Quit". */
export function HelpLine({ keys, width }: { keys: Array<[string, string]>; width: number }) {
  const text = keys.map(([k, what]) => `${k} ${what}`).join(" · ");
  return (
    <Text dimColor wrap="truncate-end">
      {fit(text, width)}
    </Text>
  );
}
