"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTRPC } from "~/trpc/client";
import type { RecipientFields } from "./use-recipient-check";

const DEBOUNCE_MS = 400;

/**
 * Settings → Compose, applied to the message being written while Secure Mail is unlocked and
 * until the user ticks or unticks the box themselves: Always Sign checks Send Signed; Encrypt
 * When Possible checks Send Encrypted exactly while every recipient has a certificate (the
 * server's answer, address book then directory, as Send Encrypted itself uses).
 */
export function useComposeDefaults(options: {
  unlocked: boolean;
  fields: RecipientFields;
  signChosen: boolean;
  encryptChosen: boolean;
  setSign(value: boolean): void;
  setEncrypt(value: boolean): void;
}) {
  const { unlocked, fields, signChosen, encryptChosen, setSign, setEncrypt } = options;
  const trpc = useTRPC();
  const settings = useQuery(trpc.settings.get.queryOptions());
  const alwaysSign = settings.data?.alwaysSign === true;
  const whenPossible = settings.data?.encryptWhenPossible === true;

  useEffect(() => {
    if (unlocked && alwaysSign && !signChosen) setSign(true);
  }, [unlocked, alwaysSign, signChosen, setSign]);

  const auto = unlocked && whenPossible && !encryptChosen;
  const [settled, setSettled] = useState(fields);
  const { to, cc, bcc } = fields;
  useEffect(() => {
    const timer = setTimeout(() => setSettled({ to, cc, bcc }), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [to, cc, bcc]);
  const any = `${settled.to}${settled.cc}${settled.bcc}`.trim() !== "";
  const recipients = useQuery({
    ...trpc.compose.recipients.queryOptions(settled, { staleTime: 0 }),
    enabled: auto && any,
  });
  const answer = recipients.data;
  // Unknown while the answer for these recipients is on its way: the box stays as it is.
  const possible = !any ? false : answer ? answer.length > 0 && answer.every((r) => r.ok) : null;
  useEffect(() => {
    if (auto && possible !== null) setEncrypt(possible);
  }, [auto, possible, setEncrypt]);
}
