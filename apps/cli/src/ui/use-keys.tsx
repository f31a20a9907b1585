import { type Key, useInput } from "ink";
import { createContext, useContext, useLayoutEffect, useRef } from "react";

interface Entry {
  handler: (input: string, key: Key) => void;
  active: boolean;
}

const KeysContext = createContext<Set<Entry> | null>(null);

/**
 * One keyboard subscription for the whole client. Ink subscribes each useInput in an effect,
 * which runs after the screen is drawn: a key typed just after a prompt appears would be lost,
 * and one typed just after a field was left would still reach it. Here a handler takes part
 * from the render that shows it, and each key goes to the handlers active when it arrived.
 */
export function KeyRouter({ children }: { children: React.ReactNode }) {
  const entries = useRef(new Set<Entry>()).current;
  useInput((input, key) => {
    const targets = [...entries].filter((e) => e.active);
    for (const e of targets) e.handler(input, key);
  });
  return <KeysContext.Provider value={entries}>{children}</KeysContext.Provider>;
}

/** useInput through the KeyRouter: the handler and `isActive` of the latest render apply. */
export function useKeys(handler: (input: string, key: Key) => void, options: { isActive: boolean }): void {
  const entries = useContext(KeysContext);
  if (!entries) throw new Error("useKeys outside a KeyRouter");
  const entry = useRef<Entry>({ handler, active: options.isActive }).current;
  entry.handler = handler;
  entry.active = options.isActive;
  entries.add(entry);
  // A layout effect's cleanup runs as the component leaves, in the same commit: a passive
  // effect's would run later, and a key typed meanwhile would still reach the field that left.
  useLayoutEffect(() => {
    entries.add(entry);
    return () => {
      entries.delete(entry);
    };
  }, [entries, entry]);
}
