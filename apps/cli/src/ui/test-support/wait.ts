/** Polls until `check` returns something truthy, else fails with what was last seen. */
export async function waitFor<T>(
  check: () => T | undefined | null | false,
  describe: () => string,
  timeoutMs = 30_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out; last seen:\n${describe()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
