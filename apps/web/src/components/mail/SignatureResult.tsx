import { TriangleAlert } from "lucide-react";
import type { ReactNode } from "react";
import { fingerprintText, WORDS, WORDS_VERIFIED_BY } from "~/components/shell/words";
import type { SignedLayerData, SignerData } from "./types";

export type SignerAction = (layerIndex: number, signer: SignerData) => ReactNode;

function FailedSigner({ signer, action }: { signer: SignerData; action: ReactNode }) {
  return (
    <li className="flex flex-col gap-1">
      {" "}
      <span className="font-medium">{signer.display}</span>{" "}
      <span>
        {signer.problem} ({signer.reason})
      </span>
      {action}
    </li>
  );
}

/**
 * The signer's certificate is not the one the selected address book holds for that address
 * (a renewal, or an impostor): both fingerprints, shown with the message before anything is
 * clicked. Take Certificate then replaces the stored one only after the reader confirms.
 */
export function CertificateChanged({ signer }: { signer: SignerData }) {
  if (!signer.changed || !signer.certificate || !signer.storedCertificate) return null;
  const address = signer.certificate.emails[0] ?? signer.email ?? "";
  return (
    <div
      role="alert"
      className="flex gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950"
    >
      <TriangleAlert aria-hidden className="mt-0.5 h-4 w-4 shrink-0 text-amber-700" />
      <div className="flex min-w-0 flex-col gap-1">
        <p className="font-semibold">{WORDS.certificateChanged}</p>{" "}
        <p>
          {signer.display} signed with a certificate other than the one your address book holds for {address}.
          Check the new fingerprint with the sender before you take it.
        </p>{" "}
        <dl className="grid gap-x-3 gap-y-0.5 sm:grid-cols-[auto_1fr]">
          <dt className="font-medium">Stored certificate:</dt>{" "}
          <dd className="break-all font-mono text-xs">{fingerprintText(signer.storedCertificate.sha256)}</dd>{" "}
          <dt className="font-medium">Certificate in this message:</dt>{" "}
          <dd className="break-all font-mono text-xs">{fingerprintText(signer.certificate.sha256)}</dd>
        </dl>
      </div>
    </div>
  );
}

/**
 * A signed layer where no signer verified: an alert, placed right after the layer's banner,
 * that says why in words and names each signer. "Content Unaltered as Verified By:" is never
 * shown for such a layer.
 */
export function SignatureAlert({
  layer,
  layerIndex,
  action,
}: {
  layer: SignedLayerData;
  layerIndex: number;
  action?: SignerAction | undefined;
}) {
  return (
    <div
      role="alert"
      className="flex flex-col gap-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900"
    >
      <p className="font-semibold">{WORDS.notVerified}</p>{" "}
      {layer.signers.length === 0 ? (
        <p>The message carries no signer, so nothing vouches for its content.</p>
      ) : (
        <ul className="flex flex-col gap-2">
          {layer.signers.map((s) => (
            <FailedSigner key={s.index} signer={s} action={action?.(layerIndex, s)} />
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * After the content of a verified signed layer: "Content Unaltered as Verified By:" and each
 * valid signer as "Name <address>" (from the certificate); signers that did not verify are
 * listed separately with their reason.
 */
export function SignatureVerified({
  layer,
  layerIndex,
  action,
}: {
  layer: SignedLayerData;
  layerIndex: number;
  action?: SignerAction | undefined;
}) {
  const valid = layer.signers.filter((s) => s.valid);
  const failed = layer.signers.filter((s) => !s.valid);
  return (
    <div className="flex flex-col gap-2 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-950">
      <p className="font-medium">{layer.verifiedBy ?? WORDS_VERIFIED_BY}</p>{" "}
      <ul className="flex flex-col gap-1">
        {valid.map((s) => (
          <li key={s.index} className="flex flex-wrap items-center gap-x-3 gap-y-1">
            {" "}
            <span>{s.display}</span>
            {action?.(layerIndex, s)}
          </li>
        ))}
      </ul>
      {failed.length > 0 && (
        <div className="mt-1 flex flex-col gap-1 border-t border-green-200 pt-2 text-amber-950">
          <p className="font-medium">Other signers (not verified):</p>{" "}
          <ul className="flex flex-col gap-2">
            {failed.map((s) => (
              <FailedSigner key={s.index} signer={s} action={action?.(layerIndex, s)} />
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
