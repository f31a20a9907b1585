import type { Store } from "@sealbox/store";
import { initTRPC } from "@trpc/server";

/** Built without a request, so tests call routers directly with createCaller. */
export interface Context {
  store: Store;
}

export function createContextInner(store: Store): Context {
  return { store };
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape }) {
    // One place maps errors for the web boundary; stacks never reach the browser.
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, data };
  },
});

export const router = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
