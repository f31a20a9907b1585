import { Box, Text, useApp, useInput } from "ink";

export interface AppProps {
  version: string;
}

/** The terminal UI's frame. Screens arrive with the store and secure-mail issues. */
export function App({ version }: AppProps) {
  const { exit } = useApp();
  useInput((input, key) => {
    if (input === "q" || key.escape) exit();
  });
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>Sealbox {version}</Text>
      <Text dimColor>Secure Mail in your terminal. Press q to quit.</Text>
    </Box>
  );
}
