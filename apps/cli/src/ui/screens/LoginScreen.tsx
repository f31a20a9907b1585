import { Box, Text } from "ink";
import { useState } from "react";
import { HelpLine } from "../components/HelpLine.js";
import { TextField } from "../components/TextField.js";
import { fit } from "../text.js";
import { useTheme } from "../theme.js";

/**
 * Account, then Password (masked), then the login guard. A refusal keeps the account and
 * asks for the password again, with the web's words for why.
 */
export function LoginScreen(props: {
  version: string;
  width: number;
  height: number;
  onLogin(account: string, password: string): Promise<string | null>;
}) {
  const theme = useTheme();
  const [account, setAccount] = useState("");
  const [password, setPassword] = useState("");
  const [field, setField] = useState<"account" | "password" | "busy">("account");
  const [error, setError] = useState<string | null>(null);
  const submit = (pw: string) => {
    setField("busy");
    setError(null);
    props.onLogin(account.trim(), pw).then(
      (problem) => {
        if (problem === null) return;
        setPassword("");
        setError(problem);
        setField("password");
      },
      (e: unknown) => {
        setPassword("");
        setError(e instanceof Error ? e.message : String(e));
        setField("password");
      },
    );
  };
  const w = Math.min(props.width, 60);
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Text bold wrap="truncate-end">
        {fit(`Sealbox ${props.version} · Log In`, props.width)}
      </Text>
      <Text> </Text>
      <TextField
        label="Account"
        value={account}
        onChange={setAccount}
        active={field === "account"}
        width={w}
        onSubmit={(v) => v.trim() && setField("password")}
      />
      {field !== "account" ? (
        <TextField
          label="Password"
          value={password}
          onChange={setPassword}
          mask
          active={field === "password"}
          width={w}
          onSubmit={(v) => v && submit(v)}
        />
      ) : null}
      <Text> </Text>
      <Text color={theme.color("red")} wrap="truncate-end">
        {field === "busy" ? "Logging in…" : fit(error ?? "", props.width)}
      </Text>
      <Box flexGrow={1} />
      <HelpLine
        keys={[
          ["Enter", "Next"],
          ["Ctrl-C", "Quit"],
        ]}
        width={props.width}
      />
    </Box>
  );
}
