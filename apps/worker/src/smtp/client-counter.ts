/** Open connections per client key (store's clientKey); `take` refuses past `max`, `give` returns a slot. */
export class ClientCounter {
  readonly #open = new Map<string, number>();

  constructor(readonly max: number) {}

  take(key: string): boolean {
    const n = this.#open.get(key) ?? 0;
    if (n >= this.max) return false;
    this.#open.set(key, n + 1);
    return true;
  }

  give(key: string): void {
    const n = (this.#open.get(key) ?? 0) - 1;
    if (n > 0) this.#open.set(key, n);
    else this.#open.delete(key);
  }
}
