import type { LockState } from "@sealbox/store";
import { timeLeft, WORDS } from "@sealbox/store/words";
import { Box, Text } from "ink";
import { useTheme } from "../theme.js";

/** The top line of every screen: who is signed in, where, and the lock state with the time left. */
export function LockBar(props: {
  account: string;
  place: string;
  lock: LockState | null;
  smime: boolean;
  now: number;
  width: number;
}) {
  const theme = useTheme();
  const { lock } = props;
  let state = "";
  let color: string | undefined;
  if (props.smime && lock) {
    if (!lock.hasKey) state = "No Secure Mail key";
    else if (lock.unlocked && lock.expiresAt !== null) {
      state = `${WORDS.unlocked} · ${timeLeft(lock.expiresAt - props.now)} left`;
      color = theme.color("green");
    } else {
      state = WORDS.locked;
      color = theme.color("yellow");
    }
  }
  const left = `Sealbox · ${props.account} · ${props.place}`;
  const room = Math.max(0, props.width - state.length - 1);
  return (
    <Box width={props.width} height={1}>
      <Box width={room} flexShrink={1}>
        <Text bold wrap="truncate-end">
          {left}
        </Text>
      </Box>
      <Box flexGrow={1} />
      <Text color={color} bold wrap="truncate-end">
        {state}
      </Text>
    </Box>
  );
}
