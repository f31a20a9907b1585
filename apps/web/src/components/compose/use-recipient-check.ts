"use client";

import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { useTRPC } from "~/trpc/client";
import type { MissingCertificate } from "./MissingCertificatesAlert";

export interface RecipientFields {
  to: string;
  cc: string;
  bcc: string;
}

const DEBOUNCE_MS = 400;

/**
 * While Send Encrypted is checked: which typed recipients have no usable certificate, asked
 * of the server a moment after typing stops (a half-typed address is not reported here; Send
 * reports it). `checkNow` asks at once, before an encrypted send, and its answer is what the
 * page then shows.
 */
export function useRecipientCheck(enabled: boolean, fields: RecipientFields) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [settled, setSettled] = useState(fields);
  const { to, cc, bcc } = fields;
  useEffect(() => {
    const timer = setTimeout(() => setSettled({ to, cc, bcc }), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [to, cc, bcc]);
  const any = `${settled.to}${settled.cc}${settled.bcc}`.trim() !== "";
  const query = useQuery({
    ...trpc.compose.recipients.queryOptions(settled, { staleTime: 0 }),
    enabled: enabled && any,
    placeholderData: keepPreviousData,
  });

  const checkNow = useCallback(
    async (now: RecipientFields): Promise<MissingCertificate[]> => {
      setSettled(now);
      const result = await queryClient.fetchQuery(
        trpc.compose.recipients.queryOptions(now, { staleTime: 0 }),
      );
      return result.filter((r) => !r.ok).map((r) => ({ address: r.address, reason: r.reason }));
    },
    [queryClient, trpc],
  );

  const typed = `${to},${cc},${bcc}`.toLowerCase();
  const missing: MissingCertificate[] =
    enabled && any && query.data
      ? query.data
          .filter((r) => !r.ok && typed.includes(r.address.toLowerCase()))
          .map((r) => ({ address: r.address, reason: r.reason }))
      : [];
  return { missing, checkNow };
}
