import { failureOf } from "~/components/ui/errors";

/** A failed call in words: the server's sentence, with the fields it refused named. */
export function failureText(error: unknown): string {
  const f = failureOf(error);
  if (!f) return "Something went wrong.";
  const fields = Object.entries(f.fieldErrors ?? {})
    .filter(([, messages]) => messages && messages.length > 0)
    .map(([field, messages]) => `${field}: ${messages?.join(" ")}`);
  const message = f.message.charAt(0).toUpperCase() + f.message.slice(1);
  return fields.length > 0 ? `${message} ${fields.join("; ")}` : message;
}
