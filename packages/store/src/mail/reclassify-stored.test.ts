import { encryptWholeMessage, type Identity, protectMessage } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, message } from "../../test/fresh-store.js";
import type { Account } from "../accounts/accounts.js";
import { storeInternals } from "../internals.js";
import { silentLogger } from "../logger.js";
import { openStore, type Store } from "../open-store.js";
import { BLOB_CHUNK_BYTES, tableBlobStore } from "./blob-store.js";
import { RECLASSIFY_STEP } from "./reclassify-stored.js";

const SECRET = Buffer.from("reclassify test server secret");
const PW = "reclassify password";

/**
 * Rows stored before core classified stored mail were listed from the smime-type label:
 * "encrypted" with cipher null. The step at open reads the first chunk of each such row's blob
 * and lists what the CMS content says, once.
 */
describe.each(backends)("stored messages classified anew on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  let account: Account;
  let keys: Identity[];
  let inbox: string;

  beforeAll(async () => {
    fresh = await freshStore(backend, { serverSecret: SECRET });
    store = fresh.store;
    account = (await store.accounts.add("old@reclassify.example", { password: "pw", createDomain: true }))
      .account;
    await store.secureMail.generate(account.id, PW);
    keys = await store.secureMail.identities(account.id, PW);
    inbox = (await store.mailboxes.list(account.id)).find((m) => m.name === "INBOX")!.id;
  }, 60_000);
  afterAll(() => fresh.cleanup());

  /** Appends `raw` and makes its row look as the label-based listing left it. */
  async function oldRow(raw: Uint8Array, security: "encrypted" | "signed+encrypted" = "encrypted") {
    const m = await store.messages.append(account.id, inbox, raw);
    await storeInternals(store)
      .db.updateTable("messages")
      .set({ security, cipher: null })
      .where("id", "=", m.id)
      .execute();
    return m.id;
  }

  const listed = async (id: string) => {
    const m = await store.messages.get(account.id, id);
    return { security: m.security, cipher: m.cipher };
  };

  /** Opens the store again; its blob store refuses to read past a blob's first chunk. */
  async function reopen(): Promise<Store> {
    return openStore(fresh.url, {
      base: fresh.base,
      logger: silentLogger,
      serverSecret: SECRET,
      blobs: {
        ...tableBlobStore,
        async *read(q, id) {
          let n = 0;
          for await (const chunk of tableBlobStore.read(q, id)) {
            if (n++ > 0) throw new Error("the step read past a blob's first chunk");
            yield chunk;
          }
        },
      },
    });
  }

  it("lists the real cipher and kind from the CMS content, once, reading only the first chunk", async () => {
    const certificate = keys[0]!.certificate;
    const small = await encryptWholeMessage(message({ Subject: "small" }), {
      recipients: [certificate],
      cipher: "AES-128-CBC",
    });
    const body = Buffer.alloc(Math.floor(2.5 * BLOB_CHUNK_BYTES), 0x61);
    const large = await encryptWholeMessage(Buffer.concat([Buffer.from("Subject: large\r\n\r\n"), body]), {
      recipients: [certificate],
      cipher: "AES-256-GCM",
    });
    expect(large.byteLength).toBeGreaterThan(BLOB_CHUNK_BYTES);
    const wasSigned = await encryptWholeMessage(message({ Subject: "decrypted once" }), {
      recipients: [certificate],
    });
    // An opaque signature labelled as encrypted: the label lied, the content decides.
    const opaque = Buffer.from(
      await protectMessage(message({ Subject: "opaque" }), { sign: { identity: keys[0]!, opaque: true } }),
    );
    const mislabelled = Buffer.from(
      opaque.toString("latin1").replace("smime-type=signed-data", "smime-type=enveloped-data"),
      "latin1",
    );
    // Not CMS at all: nothing is known, nothing changes.
    const unreadable = Buffer.from(
      "Subject: junk\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n" +
        "Content-Transfer-Encoding: base64\r\n\r\nbm90IGNtcw==\r\n",
    );
    const ids = {
      small: await oldRow(small),
      large: await oldRow(large),
      wasSigned: await oldRow(wasSigned, "signed+encrypted"),
      mislabelled: await oldRow(mislabelled),
      unreadable: await oldRow(unreadable),
    };
    // As in a database upgraded from before: the step has not run yet (this store's own open
    // found nothing to do and recorded it).
    await storeInternals(store).db.deleteFrom("store_maintenance").execute();
    const again = await reopen();
    try {
      expect(await listed(ids.small)).toEqual({ security: "encrypted", cipher: "AES-128-CBC" });
      expect(await listed(ids.large)).toEqual({ security: "encrypted", cipher: "AES-256-GCM" });
      expect(await listed(ids.wasSigned)).toEqual({ security: "signed+encrypted", cipher: "AES-256-CBC" });
      expect(await listed(ids.mislabelled)).toEqual({ security: "signed", cipher: null });
      expect(await listed(ids.unreadable)).toEqual({ security: "encrypted", cipher: null });
      const marker = await storeInternals(store)
        .db.selectFrom("store_maintenance")
        .select("name")
        .where("name", "=", RECLASSIFY_STEP)
        .execute();
      expect(marker).toHaveLength(1);
    } finally {
      await again.close();
    }

    // Done once: a later open leaves such a row alone.
    const later = await oldRow(small);
    const third = await reopen();
    try {
      expect(await listed(later)).toEqual({ security: "encrypted", cipher: null });
    } finally {
      await third.close();
    }
  }, 120_000);
});
