/**
 * A hand-over point between a producer that pushes chunks and a consumer that iterates them
 * (signData reads its content as an AsyncIterable while protectMessageStream emits the same
 * bytes). `push` resolves once the consumer has asked for the next chunk, i.e. has finished
 * with this one, so nothing queues up and a producer may then reuse or release the chunk.
 */
export class Channel implements AsyncIterable<Uint8Array> {
  #item: Uint8Array | undefined;
  #ended = false;
  #failure: unknown;
  /** The consumer waiting for an item. */
  #waiting: ((result: IteratorResult<Uint8Array>) => void) | undefined;
  /** The producer waiting for the consumer to come back. */
  #acknowledge: { resolve: () => void; reject: (e: unknown) => void } | undefined;

  push(chunk: Uint8Array): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.reject(new Error("push after end"));
    return new Promise<void>((resolve, reject) => {
      this.#acknowledge = { resolve, reject };
      const waiting = this.#waiting;
      if (waiting) {
        this.#waiting = undefined;
        waiting({ value: chunk, done: false });
      } else {
        this.#item = chunk;
      }
    });
  }

  /** No more chunks: the consumer's loop ends. */
  end(): void {
    this.#ended = true;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  /** Either side gave up: a waiting producer gets the reason, a waiting consumer the end. */
  fail(reason: unknown): void {
    this.#failure = reason;
    const ack = this.#acknowledge;
    this.#acknowledge = undefined;
    ack?.reject(reason);
    this.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        const ack = this.#acknowledge;
        this.#acknowledge = undefined;
        const item = this.#item;
        this.#item = undefined;
        if (item !== undefined) {
          // The previous chunk (if any) was acknowledged when it was taken; this one is taken now.
          this.#acknowledge = ack;
          return Promise.resolve({ value: item, done: false });
        }
        ack?.resolve();
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.#waiting = resolve;
        });
      },
      return: () => {
        this.fail(new Error("the consumer stopped reading"));
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
