/** One mailbox as the compose fields hold it: an optional display name and the address. */
export interface Mailbox {
  name: string;
  address: string;
}

/**
 * Splits an address list as the reader shows it ("Doe, John <j@x>, bob@y") into mailboxes.
 * Display names may hold commas, addresses never do: a piece without "@" belongs to the next.
 */
export function splitMailboxes(text: string): Mailbox[] {
  const out: Mailbox[] = [];
  let pending = "";
  for (const piece of text.split(",")) {
    const joined = pending ? `${pending},${piece}` : piece;
    if (!joined.includes("@")) {
      pending = joined;
      continue;
    }
    pending = "";
    const angle = /^(.*?)<([^<>]+)>\s*$/s.exec(joined.trim());
    if (angle) {
      const name = (angle[1] ?? "")
        .trim()
        .replace(/^"(.*)"$/s, "$1")
        .replace(/\\(["\\])/g, "$1");
      out.push({ name, address: (angle[2] ?? "").trim() });
    } else {
      out.push({ name: "", address: joined.trim() });
    }
  }
  return out.filter((m) => m.address.includes("@"));
}

/** "Name <address>", quoting a name that holds characters with a meaning in addresses. */
export function formatMailbox({ name, address }: Mailbox): string {
  if (!name || name === address) return address;
  const plain = /^[\p{L}\p{N}!#$%&'*+\-/=?^_`{|}~ ]+$/u.test(name);
  return `${plain ? name : `"${name.replace(/(["\\])/g, "\\$1")}"`} <${address}>`;
}

/** Mailboxes without repeats (addresses compare case-insensitively) and without `exclude`. */
export function uniqueMailboxes(list: Mailbox[], exclude: Iterable<string> = []): Mailbox[] {
  const seen = new Set([...exclude].map((a) => a.toLowerCase()));
  return list.filter((m) => {
    const key = m.address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export const joinMailboxes = (list: Mailbox[]): string => list.map(formatMailbox).join(", ");

/** The text before the last comma and the word being typed after it. */
export function lastTyped(value: string): { head: string; word: string } {
  const cut = value.lastIndexOf(",");
  if (cut < 0) return { head: "", word: value.trim() };
  return { head: `${value.slice(0, cut + 1)} `, word: value.slice(cut + 1).trim() };
}
