import type { Certificate } from "@sealbox/core";
import type { StoreContext } from "../context.js";
import { keyRows, rowCertificate, rowChain } from "./key-repository.js";

/** The current certificate and its chain, without any key. */
export function currentCertificateUseCase(ctx: StoreContext) {
  return async function currentCertificate(
    accountId: string,
  ): Promise<{ certificate: Certificate; chain: Certificate[] } | undefined> {
    const rows = await keyRows(ctx.db, accountId);
    const current = rows.find((r) => r.state === "current");
    return current ? { certificate: rowCertificate(current), chain: rowChain(current) } : undefined;
  };
}
