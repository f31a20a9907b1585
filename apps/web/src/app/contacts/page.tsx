import { ContactsView } from "~/components/contacts/ContactsView";

export default function Page() {
  return <ContactsView />;
}
