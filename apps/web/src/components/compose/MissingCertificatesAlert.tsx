import { Alert } from "~/components/ui/controls";

export interface MissingCertificate {
  address: string;
  reason: string | null;
}

/** Names every recipient an encrypted message cannot be encrypted to, and why. */
export function MissingCertificatesAlert({ missing }: { missing: MissingCertificate[] }) {
  return (
    <Alert>
      <p className="font-medium">Cannot send encrypted: no usable certificate for</p>
      <ul className="mt-1 list-disc pl-5">
        {missing.map((m) => (
          <li key={m.address} className="break-words">
            {m.address} ({m.reason ?? "no certificate"})
          </li>
        ))}
      </ul>
      <p className="mt-1">
        Take the certificate from a signed message of theirs, import it in Contacts, or uncheck Send
        Encrypted.
      </p>
    </Alert>
  );
}
