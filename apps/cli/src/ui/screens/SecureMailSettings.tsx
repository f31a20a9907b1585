import { readFileSync, writeFileSync } from "node:fs";
import type { SecureMailStatus } from "@sealbox/store";
import { fingerprintText, WORDS } from "@sealbox/store/words";
import { Text } from "ink";
import { useEffect, useState } from "react";
import { Frame } from "../components/Frame.js";
import { TextField } from "../components/TextField.js";
import { type MailboxRef, useShell } from "../shell.js";
import { fit } from "../text.js";
import { useTheme } from "../theme.js";
import { useKeys } from "../use-keys.js";

interface Prompt {
  label: string;
  mask: boolean;
}

/** A settings action: what it asks for, in order, then what it does with the answers. */
interface Action {
  key: string;
  title: string;
  prompts: Prompt[];
  /** Pairs typed twice must match: checked before anything starts. */
  pairs?: Array<[number, number]>;
  run(answers: string[]): Promise<string>;
}

function readPfx(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new SettingsInputError(`Cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error}).`);
  }
}

class SettingsInputError extends Error {}

/**
 * Settings → Secure Mail: the certificate as the web shows it, and Import, Generate, Export,
 * Modify Secure Mail Password, Remove (only with a PFX holding the current key) — each the
 * store use-case the web calls. Passwords are masked and never kept after the action.
 */
export function SecureMailSettings({ back }: { back: MailboxRef }) {
  const shell = useShell();
  const theme = useTheme();
  const s = shell.session;
  const [status, setStatus] = useState<SecureMailStatus | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [answers, setAnswers] = useState<string[]>([]);
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const reload = () => s.secureMailStatus().then(setStatus, shell.fail);
  useEffect(() => {
    if (s.account.smimeEnabled) reload();
  }, [s]);

  const newPassword: Prompt[] = [
    { label: "New Secure Mail Password", mask: true },
    { label: "Verify Secure Mail Password", mask: true },
  ];
  const actions: Action[] = [
    {
      key: "i",
      title: "Import Key and Certificate",
      prompts: [
        { label: "PFX file", mask: false },
        { label: "File password", mask: true },
        { label: status?.hasKey ? "Secure Mail Password" : "New Secure Mail Password", mask: true },
      ],
      run: async ([path = "", filePw = "", pw = ""]) => {
        await s.importPfx(readPfx(path), filePw, pw);
        return "Imported: the key is sealed under the Secure Mail Password (the file's protection is not kept).";
      },
    },
    {
      key: "g",
      title: "Generate Key and Certificate",
      prompts: status?.hasKey ? [{ label: "Secure Mail Password", mask: true }] : newPassword,
      pairs: status?.hasKey ? [] : [[0, 1]],
      run: async ([pw = ""]) => {
        await s.generate(pw);
        return "A new key and certificate were issued by the server CA.";
      },
    },
    {
      key: "x",
      title: "Export Key and Certificate",
      prompts: [
        { label: "Save as (file)", mask: false },
        { label: "File password", mask: true },
        { label: "Verify file password", mask: true },
      ],
      pairs: [[1, 2]],
      run: async ([path = "", pw = ""]) => {
        const pfx = await s.exportPfx(pw, false);
        writeFileSync(path, pfx, { mode: 0o600, flag: "wx" });
        return `Exported to ${path}.`;
      },
    },
    {
      key: "p",
      title: "Modify Secure Mail Password",
      prompts: newPassword,
      pairs: [[0, 1]],
      run: async ([pw = ""]) => {
        await s.changePassword(pw);
        return "The Secure Mail Password was changed.";
      },
    },
    {
      key: "r",
      title: "Remove Key and Certificate",
      prompts: [
        { label: "PFX file holding this key", mask: false },
        { label: "File password", mask: true },
      ],
      run: async ([path = "", pw = ""]) => {
        await s.removeKey(readPfx(path), pw);
        return "The key and certificate were removed (earlier keys stay for old mail).";
      },
    },
  ];

  const finish = (all: string[]) => {
    const current = action;
    setAction(null);
    setAnswers([]);
    setValue("");
    if (!current) return;
    if ((current.pairs ?? []).some(([a, b]) => all[a] !== all[b])) {
      shell.notify("The passwords do not match: nothing was changed.", "error");
      return;
    }
    setBusy(true);
    shell.notify(`${current.title}…`);
    current
      .run(all)
      .then(
        (done) => shell.notify(done, "ok"),
        (error: unknown) =>
          error instanceof SettingsInputError ? shell.notify(error.message, "error") : shell.fail(error),
      )
      .finally(() => {
        setBusy(false);
        reload();
        // The lock bar and the Unlock key follow at once (a key appeared or went away).
        shell.refreshLock().catch(() => {});
      });
  };

  useKeys(
    (input, key) => {
      if (action) {
        if (key.escape) {
          setAction(null);
          setAnswers([]);
          setValue("");
          shell.notify("Nothing was changed.");
        }
        return;
      }
      if (busy) return;
      if (key.escape || input === "q") shell.go({ name: "list", mailbox: back });
      const chosen = actions.find((a) => a.key === input);
      if (chosen && s.account.smimeEnabled) {
        setAction(chosen);
        setAnswers([]);
        setValue("");
      }
    },
    { isActive: shell.active },
  );

  const help: Array<[string, string]> = action
    ? [
        ["Enter", "Next"],
        ["Esc", "Cancel"],
      ]
    : [
        ...actions.map((a) => [a.key, a.title.replace(/ Key and Certificate$/, "")] as [string, string]),
        ["Esc", "Back"],
      ];
  const rows: Array<[string, string]> = status?.hasKey
    ? [
        ["Certificate", status.subject ?? ""],
        ["Address", (status.emails ?? []).join(", ")],
        ["Issuer", status.issuer ?? ""],
        ["Valid", `${status.notBefore?.slice(0, 10)} to ${status.notAfter?.slice(0, 10)}`],
        ["Key", `${status.keyAlgorithm ?? ""}${status.keySize ? ` ${status.keySize}` : ""}`],
        ["SHA-256", fingerprintText(status.certificateSha256 ?? "")],
        ["Earlier keys", String(status.earlierKeys)],
      ]
    : [];
  const prompt = action?.prompts[answers.length];
  return (
    <Frame help={help} globalKeys={action === null}>
      {!s.account.smimeEnabled ? (
        <Text wrap="truncate-end">Secure Mail is switched off for this account or its domain.</Text>
      ) : status === null ? (
        <Text dimColor>Loading…</Text>
      ) : !status.hasKey ? (
        <Text wrap="truncate-end">No key yet: Import one (i) or Generate one (g).</Text>
      ) : null}
      {rows.map(([name, v]) => (
        <Text key={name} wrap="truncate-end">
          <Text bold>{name.padEnd(13)}</Text>
          {fit(v, Math.max(1, shell.width - 13))}
        </Text>
      ))}
      {action && prompt ? (
        <>
          <Text> </Text>
          <Text bold wrap="truncate-end">
            {fit(action.title, shell.width)}
          </Text>
          {action.key === "p" || (action.key === "g" && !status?.hasKey) ? (
            <Text color={theme.color("yellow")} wrap="truncate-end">
              {fit(WORDS.forgottenPassword, shell.width)}
            </Text>
          ) : null}
          <TextField
            key={answers.length}
            label={prompt.label}
            value={value}
            onChange={setValue}
            mask={prompt.mask}
            active={shell.active}
            width={shell.width}
            onSubmit={(v) => {
              const all = [...answers, v];
              setValue("");
              if (all.length === action.prompts.length) finish(all);
              else setAnswers(all);
            }}
          />
        </>
      ) : null}
    </Frame>
  );
}
