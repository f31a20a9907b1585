import { Text } from "ink";
import { useTheme } from "../theme.js";

/** "[#######.......] 37 of 200" at a given width. */
export function ProgressBar(props: { done: number; total: number; failed: number; width: number }) {
  const theme = useTheme();
  const counts = ` ${props.done} of ${props.total}${props.failed ? ` (${props.failed} failed)` : ""}`;
  const bar = Math.max(10, props.width - counts.length - 2);
  const filled = props.total === 0 ? bar : Math.min(bar, Math.round((props.done / props.total) * bar));
  return (
    <Text wrap="truncate-end">
      [<Text color={theme.color("cyan")}>{"#".repeat(filled)}</Text>
      {".".repeat(bar - filled)}]{counts}
    </Text>
  );
}
