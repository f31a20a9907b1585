import type { Certificate } from "@sealbox/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../test/backends.js";
import { type FreshStore, freshStore, opensslCertificate } from "../../test/fresh-store.js";
import { storeInternals } from "../internals.js";
import type { Store } from "../open-store.js";

let corporate: Certificate;
let partner: Certificate;
let serverCa: Certificate;
beforeAll(() => {
  corporate = opensslCertificate("Corporate Root", []);
  partner = opensslCertificate("Partner CA", []);
  serverCa = opensslCertificate("Sealbox Server CA", []);
});

describe.each(backends)("trust anchors on $name", (backend) => {
  let fresh: FreshStore;
  let store: Store;
  beforeAll(async () => {
    fresh = await freshStore(backend);
    store = fresh.store;
    await store.domains.add("a.example");
    await store.domains.add("b.example");
  });
  afterAll(() => fresh.cleanup());

  it("combines the server CA, server-wide anchors and the domain's own", async () => {
    await store.trustAnchors.add(null, corporate);
    const p = await store.trustAnchors.add("a.example", partner);
    await expect(store.trustAnchors.add("a.example", partner)).rejects.toMatchObject({ code: "conflict" });
    await expect(store.trustAnchors.add(null, corporate)).rejects.toMatchObject({ code: "conflict" });
    // The same certificate may be trusted server-wide and per domain.
    await store.trustAnchors.add("b.example", corporate);
    await storeInternals(store)
      .db.insertInto("server_ca")
      .values({
        id: "ca-1",
        certificate: serverCa.der,
        certificate_sha256: serverCa.sha256,
        chain: new Uint8Array(),
        sealed_key: Buffer.from("sealed"),
        state: "current",
        source: "generated",
        created_at: 1,
      })
      .execute();
    const forA = await store.trustAnchors.list("a.example");
    expect(forA.map((x) => [x.sha256, x.source, x.domain])).toEqual([
      [serverCa.sha256, "server-ca", null],
      [corporate.sha256, "configured", null],
      [partner.sha256, "configured", "a.example"],
    ]);
    const forB = await store.trustAnchors.list("b.example");
    expect(forB.map((x) => x.sha256)).toEqual([serverCa.sha256, corporate.sha256]);
    expect((await store.trustAnchors.list(null)).map((x) => x.sha256)).toEqual([
      serverCa.sha256,
      corporate.sha256,
    ]);
    expect(Buffer.from(forA[2]!.der).equals(Buffer.from(partner.der))).toBe(true);
    // Every row has its subject, the server CA's parsed from its certificate.
    expect(forA.map((x) => x.subject)).toEqual([serverCa.subject, corporate.subject, partner.subject]);
    await store.trustAnchors.remove(p.id);
    expect((await store.trustAnchors.list("a.example")).map((x) => x.sha256)).not.toContain(partner.sha256);
    await expect(store.trustAnchors.remove(p.id)).rejects.toMatchObject({ code: "not-found" });
    await expect(store.trustAnchors.list("c.example")).rejects.toMatchObject({ code: "not-found" });
  });

  it("removes a domain's anchor by the SHA-256 of its certificate, in any case", async () => {
    await store.domains.add("d.example");
    const added = await store.trustAnchors.add("D.Example", partner);
    expect(added.domain).toBe("d.example");
    await expect(store.trustAnchors.add("d.example", partner)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/already trusted for d\.example/),
    });
    await store.trustAnchors.add("b.example", partner);
    const removed = await store.trustAnchors.removeBySha256("D.EXAMPLE", partner.sha256.toUpperCase());
    expect(removed).toMatchObject({
      id: added.id,
      domain: "d.example",
      sha256: partner.sha256,
      subject: partner.subject,
      source: "configured",
    });
    expect((await store.trustAnchors.list("d.example")).map((x) => x.sha256)).not.toContain(partner.sha256);
    // Only that domain's: the same certificate trusted elsewhere stays.
    expect((await store.trustAnchors.list("b.example")).map((x) => x.sha256)).toContain(partner.sha256);
    await expect(store.trustAnchors.removeBySha256("d.example", partner.sha256)).rejects.toMatchObject({
      code: "not-found",
    });
    // The server CA and the server-wide anchors are not the domain's to remove.
    await expect(store.trustAnchors.removeBySha256("d.example", serverCa.sha256)).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(store.trustAnchors.removeBySha256(null, serverCa.sha256)).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(store.trustAnchors.removeBySha256("d.example", corporate.sha256)).rejects.toMatchObject({
      code: "not-found",
      message: expect.stringMatching(/server-wide/),
    });
    expect((await store.trustAnchors.list("d.example")).map((x) => x.sha256)).toEqual([
      serverCa.sha256,
      corporate.sha256,
    ]);
    await expect(store.trustAnchors.removeBySha256("nope.example", partner.sha256)).rejects.toMatchObject({
      code: "not-found",
    });
    await expect(store.trustAnchors.removeBySha256("d.example", "abc123")).rejects.toMatchObject({
      code: "invalid-argument",
    });
    // With null, the server-wide anchor; b.example's own trust in the same certificate stays.
    await store.trustAnchors.removeBySha256(null, corporate.sha256);
    expect((await store.trustAnchors.list(null)).map((x) => x.sha256)).toEqual([serverCa.sha256]);
    expect(await store.trustAnchors.list("b.example")).toEqual([
      expect.objectContaining({ sha256: serverCa.sha256, source: "server-ca" }),
      expect.objectContaining({ sha256: corporate.sha256, domain: "b.example" }),
      expect.objectContaining({ sha256: partner.sha256, domain: "b.example" }),
    ]);
  });
});
