"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { useLockState } from "~/components/shell/lock-context";
import { Alert, Button, Checkbox, Field, Notice, TextArea } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { AddressField } from "./AddressField";
import { AttachmentPicker } from "./AttachmentPicker";
import { encodeAttachments } from "./encode-attachments";
import { failureText } from "./failure-text";
import { ROW } from "./layout";
import { MissingCertificatesAlert } from "./MissingCertificatesAlert";
import type { ComposeInitial } from "./prefill";
import { SendUnlockPanel } from "./SendUnlockPanel";
import { useBookContacts } from "./use-book-contacts";
import { useComposeDefaults } from "./use-compose-defaults";
import { useRecipientCheck } from "./use-recipient-check";

/**
 * The compose form. Send Signed and Send Encrypted appear while the key is unlocked; if it
 * locks while they are checked, they stay checked (disabled) and the password is asked for
 * in place, so nothing typed is lost.
 */
export function ComposeForm({
  initial,
  initialFiles,
  carryFailed,
}: {
  initial: ComposeInitial;
  initialFiles: File[];
  carryFailed: string[];
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const lock = useLockState();
  const contacts = useBookContacts();

  const [to, setTo] = useState(initial.to);
  const [cc, setCc] = useState(initial.cc);
  const [bcc, setBcc] = useState(initial.bcc);
  const [subject, setSubject] = useState(initial.subject);
  const [text, setText] = useState(initial.text);
  const [files, setFiles] = useState(initialFiles);
  const [sign, setSign] = useState(false);
  const [encrypt, setEncrypt] = useState(initial.encrypt);
  /** The user ticked or unticked the box (a reopened draft's boxes count as chosen): defaults stop. */
  const [signChosen, setSignChosen] = useState(initial.draftId !== null);
  const [encryptChosen, setEncryptChosen] = useState(initial.draftId !== null || initial.encrypt);
  /** The draft this session saved (or reopened): replaced on save, removed once sent. */
  const [draftId, setDraftId] = useState(initial.draftId);
  const [busy, setBusy] = useState<"send" | "draft" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  /** The server said the key is locked though the page thought it unlocked. */
  const [serverLocked, setServerLocked] = useState(false);
  /** Send was pressed while locked: it goes out once the key is unlocked. */
  const [sendOnUnlock, setSendOnUnlock] = useState(false);

  const secureAvailable = !lock.loading && lock.smimeEnabled && lock.hasKey;
  const wantSign = secureAvailable && sign;
  const wantEncrypt = secureAvailable && encrypt;
  const showOptions = secureAvailable && (lock.unlocked || sign || encrypt);
  const needsKey = wantSign || wantEncrypt;
  const locked = !lock.unlocked || serverLocked;
  const { missing, checkNow } = useRecipientCheck(wantEncrypt, { to, cc, bcc });
  useComposeDefaults({
    unlocked: secureAvailable && lock.unlocked && !serverLocked,
    fields: { to, cc, bcc },
    signChosen,
    encryptChosen,
    setSign,
    setEncrypt,
  });

  const sendMutation = useMutation(trpc.compose.send.mutationOptions());
  const saveMutation = useMutation(trpc.compose.saveDraft.mutationOptions());

  const fields = () => ({
    to,
    cc,
    bcc,
    subject,
    text,
    inReplyTo: initial.inReplyTo,
    references: initial.references,
  });

  async function send() {
    if (busy) return;
    setNotice(null);
    setFailure(null);
    if (needsKey && locked) {
      setSendOnUnlock(true);
      return;
    }
    setBusy("send");
    try {
      if (wantEncrypt && (await checkNow({ to, cc, bcc })).length > 0) return;
      const result = await sendMutation.mutateAsync({
        ...fields(),
        attachments: await encodeAttachments(files),
        sign: wantSign,
        encrypt: wantEncrypt,
        draftId,
      });
      setNotice("Message sent");
      await queryClient.invalidateQueries({ queryKey: trpc.mail.pathKey() });
      router.push(`/mail/Sent?m=${encodeURIComponent(result.sentId)}`);
    } catch (error) {
      if (failureOf(error)?.appCode === "locked") {
        setServerLocked(true);
        setSendOnUnlock(true);
        void queryClient.invalidateQueries({ queryKey: trpc.secureMail.state.queryKey() });
      } else setFailure(failureText(error));
    } finally {
      setBusy(null);
    }
  }

  const formBox = useRef<HTMLDivElement>(null);
  // A reply (or a reopened draft) starts in the message, at the top; a new message in To.
  useEffect(() => {
    const box = formBox.current;
    if (!box) return;
    if (initial.to) {
      const area = box.querySelector("textarea");
      area?.focus();
      area?.setSelectionRange(0, 0);
    } else box.querySelector<HTMLInputElement>("input")?.focus();
  }, [initial.to]);

  const sendRef = useRef(send);
  sendRef.current = send;
  // Once the key is unlocked (the page's lock state has caught up), a waiting Send goes out.
  useEffect(() => {
    if (sendOnUnlock && lock.unlocked && !serverLocked) {
      setSendOnUnlock(false);
      void sendRef.current();
    }
  }, [sendOnUnlock, lock.unlocked, serverLocked]);

  async function saveDraft() {
    if (busy) return;
    setNotice(null);
    setFailure(null);
    setBusy("draft");
    try {
      const saved = await saveMutation.mutateAsync({
        ...fields(),
        attachments: await encodeAttachments(files),
        encrypt: wantEncrypt,
        replaceId: draftId,
      });
      setDraftId(saved.id);
      setNotice("Draft saved");
      void queryClient.invalidateQueries({ queryKey: trpc.mail.pathKey() });
    } catch (error) {
      setFailure(failureText(error));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div ref={formBox} className="flex flex-1 flex-col gap-3">
      <AddressField label="To" value={to} onChange={setTo} contacts={contacts} />
      <AddressField label="Cc" value={cc} onChange={setCc} contacts={contacts} />
      <AddressField label="Bcc" value={bcc} onChange={setBcc} contacts={contacts} />
      <Field
        label="Subject"
        type="text"
        className={ROW}
        value={subject}
        onChange={(e) => setSubject(e.target.value)}
      />
      <TextArea
        label="Message"
        className="flex-1"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          // Ctrl+Enter (Cmd+Enter on a Mac) sends, as in most mail clients.
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void send();
          }
        }}
      />
      <AttachmentPicker files={files} onChange={setFiles} />
      {showOptions && (
        <div className="flex flex-wrap gap-x-6 gap-y-2">
          <Checkbox
            label="Send Signed"
            checked={sign}
            disabled={locked}
            onChange={(e) => {
              setSignChosen(true);
              setSign(e.target.checked);
            }}
          />
          <Checkbox
            label="Send Encrypted"
            checked={encrypt}
            disabled={locked}
            onChange={(e) => {
              setEncryptChosen(true);
              setEncrypt(e.target.checked);
            }}
          />
        </div>
      )}
      {wantEncrypt && missing.length > 0 && <MissingCertificatesAlert missing={missing} />}
      {needsKey && locked && (
        <SendUnlockPanel waiting={sendOnUnlock} onUnlocked={() => setServerLocked(false)} />
      )}
      {carryFailed.length > 0 && (
        <Alert>Could not attach from the original message: {carryFailed.join(", ")}</Alert>
      )}
      {failure && <Alert>{failure}</Alert>}
      {notice && <Notice>{notice}</Notice>}
      <div className="flex flex-wrap gap-2 pb-2">
        <Button
          variant="primary"
          onClick={() => void send()}
          disabled={busy !== null}
          aria-busy={busy === "send"}
        >
          Send
        </Button>
        <Button onClick={() => void saveDraft()} disabled={busy !== null} aria-busy={busy === "draft"}>
          Save Draft
        </Button>
      </div>
    </div>
  );
}
