import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { ComposeAttachment } from "@sealbox/store";
import { Box, Text, useStdin } from "ink";
import { useEffect, useState } from "react";
import { bodyHeight, Frame } from "../components/Frame.js";
import { TextField } from "../components/TextField.js";
import { type MailboxRef, useShell } from "../shell.js";
import { fit, withoutControls, wrapLines } from "../text.js";
import { useTheme } from "../theme.js";
import { useKeys } from "../use-keys.js";

const FIELDS = ["To", "Cc", "Bcc", "Subject", "Attachments", "Body"] as const;
type Field = (typeof FIELDS)[number];
type Known = Array<{ address: string; name: string; certificate: boolean }>;

/** The address being typed: what follows the last comma of a recipient field. */
function partial(value: string): string {
  return (value.split(",").pop() ?? "").trim();
}

export function completions(known: Known, value: string, max = 3): Known {
  const typed = partial(value).toLowerCase();
  if (!typed) return [];
  return known
    .filter((k) => k.address.toLowerCase().startsWith(typed) || k.name.toLowerCase().startsWith(typed))
    .filter((k) => k.address.toLowerCase() !== typed)
    .slice(0, max);
}

function complete(value: string, address: string): string {
  const parts = value.split(",");
  parts[parts.length - 1] = parts.length > 1 ? ` ${address}` : address;
  return `${parts.join(",")}, `;
}

/** Attachments by path, comma-separated; a file that cannot be read stops the send, nothing lost. */
function readAttachments(paths: string): ComposeAttachment[] {
  return paths
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((path) => {
      try {
        return {
          filename: basename(path),
          contentType: "application/octet-stream",
          content: readFileSync(path),
        };
      } catch (error) {
        const why = (error as NodeJS.ErrnoException).code ?? String(error);
        throw new AttachmentError(`Cannot read the attachment ${path} (${why}): nothing was sent.`);
      }
    });
}

class AttachmentError extends Error {}

/** Typed or pasted body text: line breaks kept, tabs as spaces, other control characters dropped. */
function pasted(input: string): string {
  return input
    .split(/\r\n?|\n/)
    .map((line) => withoutControls(line.replace(/\t/g, "    "), ""))
    .join("\n");
}

/**
 * Compose: To, Cc, Bcc (completed from the address books and the directory), Subject,
 * attachments by path, and the body inline or in $EDITOR. Send Signed / Send Encrypted are
 * shown only while Secure Mail is unlocked; before an encrypted send the recipients without
 * a usable certificate are named and nothing is sent.
 */
export function Compose({ back }: { back: MailboxRef }) {
  const shell = useShell();
  const theme = useTheme();
  const { setRawMode, isRawModeSupported } = useStdin();
  const unlocked = shell.lock?.unlocked === true;
  const [values, setValues] = useState<Record<Field, string>>({
    To: "",
    Cc: "",
    Bcc: "",
    Subject: "",
    Attachments: "",
    Body: "",
  });
  const [focus, setFocus] = useState(0);
  const [sign, setSign] = useState(shell.session.account.alwaysSign);
  const [encrypt, setEncrypt] = useState(false);
  const [known, setKnown] = useState<Known>([]);
  const [missing, setMissing] = useState<string[]>([]);
  const [sending, setSending] = useState(false);
  useEffect(() => {
    shell.session.knownAddresses().then(setKnown, () => {});
  }, [shell.session]);

  const field = FIELDS[focus] as Field;
  const set = (name: Field, value: string) => setValues((v) => ({ ...v, [name]: value }));
  const recipientField = field === "To" || field === "Cc" || field === "Bcc";
  const suggestions = recipientField ? completions(known, values[field]) : [];

  const editInEditor = () => {
    const editor = shell.env.VISUAL || shell.env.EDITOR;
    if (!editor) {
      shell.notify("Set $EDITOR (or $VISUAL) to write the body in an editor.", "error");
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "sealbox-compose-"));
    const file = join(dir, "body.txt");
    try {
      writeFileSync(file, values.Body, { mode: 0o600 });
      if (isRawModeSupported) setRawMode(false);
      const r = spawnSync(editor, [file], { stdio: "inherit", shell: true });
      if (isRawModeSupported) setRawMode(true);
      if (r.status === 0) set("Body", readFileSync(file, "utf8"));
      else shell.notify(`The editor exited with ${r.status ?? r.signal}: the body is unchanged.`, "error");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const send = async () => {
    const wantSign = sign && shell.session.account.smimeEnabled;
    const wantEncrypt = encrypt && shell.session.account.smimeEnabled;
    if ((wantSign || wantEncrypt) && !unlocked) {
      shell.askUnlock(() => {
        send().catch(shell.fail);
      });
      return;
    }
    if (!values.To.trim() && !values.Cc.trim() && !values.Bcc.trim()) {
      shell.notify("Name at least one recipient.", "error");
      return;
    }
    let attachments: ComposeAttachment[];
    try {
      attachments = readAttachments(values.Attachments);
    } catch (error) {
      if (error instanceof AttachmentError) return shell.notify(error.message, "error");
      throw error;
    }
    if (wantEncrypt) {
      const who = await shell.session.recipients({ to: values.To, cc: values.Cc, bcc: values.Bcc });
      const without = who.filter((r) => !r.ok).map((r) => `${r.address} (${r.reason ?? "no certificate"})`);
      setMissing(without);
      if (without.length > 0) {
        shell.notify(`Not sent: cannot encrypt to ${without.join(", ")}.`, "error");
        return;
      }
    }
    setSending(true);
    shell.notify("Sending…");
    try {
      const sent = await shell.session.send(
        {
          to: values.To,
          cc: values.Cc,
          bcc: values.Bcc,
          subject: values.Subject,
          text: values.Body,
          attachments,
        },
        wantSign,
        wantEncrypt,
      );
      shell.go({ name: "list", mailbox: back });
      shell.notify(`Sent (${sent.security}${sent.cipher ? ` ${sent.cipher}` : ""}).`, "ok");
    } finally {
      setSending(false);
    }
  };

  useKeys(
    (input, key) => {
      if (sending) return;
      if (key.escape) shell.go({ name: "list", mailbox: back });
      else if (key.ctrl && input === "x") send().catch(shell.fail);
      else if (key.ctrl && input === "g" && unlocked) setSign((s) => !s);
      else if (key.ctrl && input === "e" && unlocked) {
        setEncrypt((e) => !e);
        setMissing([]);
      } else if (key.ctrl && input === "l") {
        if (unlocked) shell.lockNow().catch(shell.fail);
        else shell.askUnlock();
      } else if (key.ctrl && input === "o") editInEditor();
      else if (key.tab && !key.shift && suggestions[0])
        set(field, complete(values[field], suggestions[0].address));
      else if (key.tab)
        setFocus((f) => (key.shift ? (f + FIELDS.length - 1) % FIELDS.length : (f + 1) % FIELDS.length));
      else if (key.upArrow && field !== "Body") setFocus((f) => Math.max(0, f - 1));
      else if (key.downArrow && field !== "Body") setFocus((f) => Math.min(FIELDS.length - 1, f + 1));
      else if (field === "Body") {
        if (key.return) set("Body", `${values.Body}\n`);
        else if (key.backspace || key.delete) set("Body", values.Body.slice(0, -1));
        else if (!key.ctrl && !key.meta && input) set("Body", values.Body + pasted(input));
      }
    },
    { isActive: shell.active },
  );

  const help: Array<[string, string]> = [
    ["Tab", "Next/Complete"],
    ["Ctrl-X", "Send"],
    ...(unlocked
      ? ([
          ["Ctrl-G", "Signed"],
          ["Ctrl-E", "Encrypted"],
          ["Ctrl-L", "Lock"],
        ] as Array<[string, string]>)
      : ([["Ctrl-L", "Unlock"]] as Array<[string, string]>)),
    ["Ctrl-O", "$EDITOR"],
    ["Esc", "Discard"],
  ];
  const rows = bodyHeight(shell.height, help, shell.width);
  const used = 5 + (unlocked ? 1 : 0) + (suggestions.length ? 1 : 0) + (missing.length ? 1 : 0) + 1;
  const bodyRows = Math.max(1, rows - used);
  const bodyLines = wrapLines(values.Body, shell.width);
  const box = (on: boolean) => (on ? "[x]" : "[ ]");
  return (
    <Frame help={help} globalKeys={false}>
      {FIELDS.slice(0, 5).map((name, i) => (
        <TextField
          key={name}
          label={name.padEnd(11)}
          value={values[name]}
          onChange={(v) => set(name, v)}
          onSubmit={() => setFocus(i + 1)}
          active={shell.active && focus === i && !sending}
          width={shell.width}
        />
      ))}
      {suggestions.length ? (
        <Text color={theme.color("cyan")} wrap="truncate-end">
          {fit(
            `Tab: ${suggestions.map((s) => `${s.name ? `${s.name} ` : ""}<${s.address}>${s.certificate ? " [@]" : ""}`).join("  ")}`,
            shell.width,
          )}
        </Text>
      ) : null}
      {unlocked ? (
        <Text wrap="truncate-end">
          {box(sign)} Send Signed {box(encrypt)} Send Encrypted
        </Text>
      ) : null}
      {missing.length ? (
        <Text color={theme.color("red")} wrap="truncate-end">
          {fit(`No certificate: ${missing.join(", ")}`, shell.width)}
        </Text>
      ) : null}
      <Text bold={field === "Body"} dimColor={field !== "Body"} wrap="truncate-end">
        {fit(`Body${field === "Body" ? " (typing here; Enter: new line)" : ""}`, shell.width)}
      </Text>
      <Box flexDirection="column">
        {bodyLines.slice(Math.max(0, bodyLines.length - bodyRows)).map((line, i, shown) => (
          <Text key={i} wrap="truncate-end">
            {line}
            {field === "Body" && i === shown.length - 1 ? <Text inverse> </Text> : null}
          </Text>
        ))}
      </Box>
    </Frame>
  );
}
