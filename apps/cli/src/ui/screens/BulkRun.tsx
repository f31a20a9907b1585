import type { BulkRun as Run } from "@sealbox/store";
import { Text } from "ink";
import { useEffect, useRef, useState } from "react";
import { Frame } from "../components/Frame.js";
import { ProgressBar } from "../components/ProgressBar.js";
import { type MailboxRef, useShell } from "../shell.js";
import { fit } from "../text.js";
import { useKeys } from "../use-keys.js";

const DONE_WORD = { encrypt: "encrypted", decrypt: "decrypted" } as const;

/**
 * Encrypt All / Decrypt All over a folder: store's bulk run (the web's), each message in place
 * in its own transaction, with this session's unlock. Esc cancels after the message in hand;
 * a lock stops it; running it again does the rest.
 */
export function BulkRun({ mailbox, kind }: { mailbox: MailboxRef; kind: "encrypt" | "decrypt" }) {
  const shell = useShell();
  const [run, setRun] = useState<Run | null>(null);
  const [last, setLast] = useState<string>("");
  const [ended, setEnded] = useState<Run | null>(null);
  const [refused, setRefused] = useState(false);
  const started = useRef(false);
  const title = kind === "encrypt" ? "Encrypt All" : "Decrypt All";

  const start = () => {
    started.current = true;
    setRefused(false);
    shell.session
      .startBulk(mailbox.id, kind, (event) => {
        setRun(event.run);
        setLast(
          `${event.result === "done" ? DONE_WORD[kind] : event.result}: ${event.subject || "(no subject)"}`,
        );
      })
      .then(
        ({ run: first, finished }) => {
          setRun(first);
          return finished.then((end) => {
            setRun(end);
            setEnded(end);
            const summary = `${DONE_WORD[kind]} ${end.done} of ${end.total} messages in ${mailbox.name} (${end.skipped} skipped, ${end.failed} failed)`;
            if (end.state === "done") shell.notify(`${summary}.`, end.failed ? "error" : "ok");
            else if (end.state === "cancelled")
              shell.notify(`${summary}; cancelled: run it again to continue.`);
            else shell.notify(`${summary}; stopped: ${end.error ?? "unknown reason"}.`, "error");
          });
        },
        (error: unknown) => {
          started.current = false;
          setRefused(true);
          shell.fail(error);
        },
      );
  };

  useEffect(() => {
    if (shell.lock?.unlocked) start();
    else {
      // Until the prompt succeeds (Esc, or no Secure Mail): "Not started." with u Unlock / r Run.
      setRefused(true);
      shell.askUnlock(start);
    }
  }, []);

  useKeys(
    (input, key) => {
      if (key.escape) {
        if (run && !ended && run.state === "running") {
          shell.notify("Cancelling after the message in hand…");
          shell.session.cancelBulk(run.id).catch(shell.fail);
        } else shell.go({ name: "list", mailbox });
      } else if (input === "u" && refused && !shell.lock?.unlocked) shell.askUnlock(start);
      else if (input === "r" && refused && shell.lock?.unlocked) start();
    },
    { isActive: shell.active },
  );

  const handled = run ? run.done + run.skipped + run.failed : 0;
  const help: Array<[string, string]> =
    run && !ended
      ? [["Esc", "Cancel"]]
      : [["Esc", "Back"], ...(refused ? ([["r", "Run"]] as Array<[string, string]>) : [])];
  return (
    <Frame help={help} globalKeys={!run || ended !== null}>
      <Text bold wrap="truncate-end">
        {fit(`${title} in ${mailbox.name}`, shell.width)}
      </Text>
      <Text> </Text>
      {run ? (
        <ProgressBar done={handled} total={run.total} failed={run.failed} width={shell.width} />
      ) : (
        <Text dimColor>{refused ? "Not started." : "Starting…"}</Text>
      )}
      <Text wrap="truncate-end">{fit(last, shell.width)}</Text>
      {ended ? (
        <Text wrap="truncate-end">
          {fit(
            `Finished: ${ended.state} (${ended.done} ${DONE_WORD[kind]}, ${ended.skipped} skipped, ${ended.failed} failed)`,
            shell.width,
          )}
        </Text>
      ) : null}
    </Frame>
  );
}
