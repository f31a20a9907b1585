import type { AddressBookWithCount, Contact } from "@sealbox/store";
import { Text } from "ink";
import { useEffect, useState } from "react";
import { bodyHeight, Frame } from "../components/Frame.js";
import { type MailboxRef, useShell } from "../shell.js";
import { cell } from "../text.js";
import { useKeys } from "../use-keys.js";

/** Address books, and a book's contacts with [@] for those who have a certificate. */
export function AddressBooks({ back }: { back: MailboxRef }) {
  const shell = useShell();
  const [books, setBooks] = useState<AddressBookWithCount[]>([]);
  const [book, setBook] = useState(0);
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const [selected, setSelected] = useState(0);
  useEffect(() => {
    shell.session.addressBooks().then((b) => {
      setBooks(b);
      setBook(
        Math.max(
          0,
          b.findIndex((x) => x.selected),
        ),
      );
    }, shell.fail);
  }, [shell.session]);
  const open = contacts !== null;
  const help: Array<[string, string]> = open
    ? [
        ["↑↓", "Select"],
        ["Esc", "Books"],
      ]
    : [
        ["↑↓", "Select"],
        ["Enter", "Open"],
        ["Esc", "Back"],
      ];
  useKeys(
    (input, key) => {
      const count = open ? contacts.length : books.length;
      if (key.upArrow || input === "k") (open ? setSelected : setBook)((s) => Math.max(0, s - 1));
      else if (key.downArrow || input === "j")
        (open ? setSelected : setBook)((s) => Math.min(count - 1, s + 1));
      else if (key.return && !open) {
        const b = books[book];
        if (b)
          shell.session.contacts(b.id).then((c) => {
            setContacts(c);
            setSelected(0);
          }, shell.fail);
      } else if (key.escape || input === "q") {
        if (open) setContacts(null);
        else shell.go({ name: "list", mailbox: back });
      }
    },
    { isActive: shell.active },
  );
  const rows = bodyHeight(shell.height, help, shell.width) - 1;
  const nameW = Math.max(8, Math.floor((shell.width - 6) / 2));
  if (open) {
    const first = Math.max(0, selected - rows + 1);
    return (
      <Frame help={help}>
        <Text bold wrap="truncate-end">
          {"    "}
          {cell(`${books[book]?.name ?? ""}: Name`, nameW)} Address
        </Text>
        {contacts.length === 0 ? <Text dimColor>No contacts.</Text> : null}
        {contacts.slice(first, first + rows).map((c, i) => (
          <Text key={c.id} inverse={first + i === selected} wrap="truncate-end">
            {c.hasCertificate ? "[@] " : "    "}
            {cell(c.name, nameW)} {cell(c.email, Math.max(4, shell.width - nameW - 5))}
          </Text>
        ))}
      </Frame>
    );
  }
  return (
    <Frame help={help}>
      <Text bold wrap="truncate-end">
        {"  "}
        {cell("Address Book", nameW)} Contacts
      </Text>
      {books.slice(0, rows).map((b, i) => (
        <Text key={b.id} inverse={i === book} wrap="truncate-end">
          {b.selected ? "* " : "  "}
          {cell(b.name, nameW)} {b.contacts}
        </Text>
      ))}
    </Frame>
  );
}
