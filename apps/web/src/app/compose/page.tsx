import { ComposeView } from "~/components/compose/ComposeView";
import type { ComposeSource } from "~/components/compose/prefill";

type Params = Record<string, string | string[] | undefined>;

const first = (value: string | string[] | undefined): string | undefined =>
  (Array.isArray(value) ? value[0] : value) || undefined;

/** /compose, /compose?reply=ID(&all=1), /compose?forward=ID, /compose?draft=ID. */
function sourceOf(params: Params): ComposeSource {
  const reply = first(params.reply);
  if (reply) return { kind: "reply", id: reply, all: first(params.all) === "1" };
  const forward = first(params.forward);
  if (forward) return { kind: "forward", id: forward };
  const draft = first(params.draft);
  if (draft) return { kind: "draft", id: draft };
  return { kind: "new" };
}

export default async function Page({ searchParams }: { searchParams: Promise<Params> }) {
  const source = sourceOf(await searchParams);
  return <ComposeView key={JSON.stringify(source)} source={source} />;
}
