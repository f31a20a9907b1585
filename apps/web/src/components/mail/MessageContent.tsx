import { Lock } from "lucide-react";
import type { ReactNode } from "react";
import { WORDS_ENCRYPTED } from "~/components/shell/words";
import { Alert } from "~/components/ui/controls";
import { AttachmentList } from "./AttachmentList";
import { MessageBody } from "./MessageBody";
import { MessageHeaders } from "./MessageHeaders";
import { SecurityBanner } from "./SecurityBanner";
import { CertificateChanged, SignatureAlert, SignatureVerified, type SignerAction } from "./SignatureResult";
import type { MessageViewData } from "./types";

export type ContentView = Pick<
  MessageViewData,
  "state" | "failure" | "layers" | "headers" | "text" | "html" | "attachments"
> & { summary: { id: string } };

/**
 * What the reader sees of a message, in the order the original product shows it: each
 * layer's banner outermost first (a signed layer that did not verify is followed at once by
 * an alert saying why), the headers, the content, then for each verified signed layer
 * (innermost first) "Content Unaltered as Verified By:" and its signers; then attachments.
 * A signer whose certificate differs from the one the address book holds gets a warning
 * beside the banners, with both fingerprints.
 * Locked: only "Encrypted" and the unlock form — the server sent nothing of the content.
 */
export function MessageContent({
  view,
  headingId,
  locked,
  pending = false,
  pendingBanners = 0,
  signerAction,
}: {
  view: ContentView;
  headingId: string;
  /** What a locked message offers (the unlock form, or why it cannot be opened). */
  locked?: ReactNode;
  /** Still loading: the body's space is held. */
  pending?: boolean;
  /** While loading, how many banners the list's marks promise (their space is held too). */
  pendingBanners?: number;
  signerAction?: SignerAction | undefined;
}) {
  const layers = view.layers.map((layer, index) => ({ layer, index }));
  const signed = layers.flatMap(({ layer, index }) => (layer.type === "signed" ? [{ layer, index }] : []));
  return (
    <div className="flex flex-col gap-4">
      {pending && layers.length === 0 && view.state !== "locked" && pendingBanners > 0 && (
        <div aria-hidden className="flex flex-col gap-2">
          {Array.from({ length: pendingBanners }, (_, i) => (
            <p
              key={i}
              className="flex animate-pulse items-center gap-2 rounded-md border border-slate-200 bg-slate-50 px-3 py-1.5 text-sm text-slate-400"
            >
              <Lock aria-hidden className="h-4 w-4 shrink-0" />
              Opening…
            </p>
          ))}
        </div>
      )}
      {(view.state === "locked" || layers.length > 0) && (
        <div className="flex flex-col gap-2">
          {view.state === "locked" && (
            <p className="flex items-center gap-2 rounded-md border border-blue-200 bg-blue-50 px-3 py-1.5 text-sm font-medium text-blue-900">
              <Lock aria-hidden className="h-4 w-4 shrink-0" />
              {WORDS_ENCRYPTED}
            </p>
          )}
          {layers.map(({ layer, index }) => (
            <div key={index} className="flex flex-col gap-2">
              <SecurityBanner layer={layer} />
              {layer.type === "signed" && !layer.verified && (
                <SignatureAlert layer={layer} layerIndex={index} action={signerAction} />
              )}
              {layer.type === "signed" &&
                layer.signers.map((s) => <CertificateChanged key={s.index} signer={s} />)}
            </div>
          ))}
        </div>
      )}
      <MessageHeaders headers={view.headers} headingId={headingId} />
      <div className="flex min-h-32 flex-col gap-4">
        {pending ? (
          <div aria-hidden className="flex animate-pulse flex-col gap-2">
            <div className="h-4 w-5/6 rounded bg-slate-200" />
            <div className="h-4 w-4/6 rounded bg-slate-200" />
            <div className="h-4 w-3/6 rounded bg-slate-200" />
          </div>
        ) : view.state === "locked" ? (
          locked
        ) : view.state === "failed" ? (
          <Alert>{view.failure?.message ?? "This message could not be opened."}</Alert>
        ) : (
          <MessageBody text={view.text} html={view.html} />
        )}
      </div>
      {signed
        .filter(({ layer }) => layer.verified)
        .reverse()
        .map(({ layer, index }) => (
          <SignatureVerified key={index} layer={layer} layerIndex={index} action={signerAction} />
        ))}
      <AttachmentList messageId={view.summary.id} attachments={view.attachments} />
    </div>
  );
}
