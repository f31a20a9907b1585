import { MailScreen } from "~/components/mail/MailScreen";
import { mailboxFromSegment } from "~/components/mail/mail-url";

/** /mail/NAME?m=ID: the folder by its URL-encoded name, the open message by id. */
export default async function Page({ params }: { params: Promise<{ mailbox: string }> }) {
  const { mailbox } = await params;
  const name = mailboxFromSegment(mailbox);
  return <MailScreen key={name} mailboxName={name} />;
}
