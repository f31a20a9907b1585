import type { Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Colour as on a terminal, whatever the test process is attached to (chalk reads this once,
// when Ink is first imported): otherwise there would be no colour to take away.
vi.hoisted(() => {
  process.env.FORCE_COLOR = "1";
});

const { renderClient } = await import("./test-support/render-client.js");
const { ALICE, LOGIN_PASSWORD, openHomeStore, seedHome } = await import("./test-support/seed.js");

describe("colours", () => {
  let store: Store;
  beforeAll(async () => {
    const { home } = await seedHome({ plain: 3 });
    store = await openHomeStore(home);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });

  it("takes no colour with NO_COLOR", async () => {
    const sgrColour = new RegExp(`${String.fromCharCode(27)}\\[(3[0-7]|9[0-7])m`);
    const coloured = renderClient(store, {});
    await coloured.until("Account:");
    await coloured.type(`${ALICE}\r`);
    await coloured.until("Password:");
    await coloured.type(`${LOGIN_PASSWORD}\r`);
    await coloured.until("Secure Mail is Locked");
    // Without NO_COLOR the same screens do carry colour, so the check below can fail.
    expect(coloured.frames.join("")).toMatch(sgrColour);
    coloured.unmount();
    const plain = renderClient(store, { NO_COLOR: "1" });
    await plain.until("Account:");
    await plain.type(`${ALICE}\r`);
    await plain.until("Password:");
    await plain.type(`${LOGIN_PASSWORD}\r`);
    await plain.until("Secure Mail is Locked");
    // No SGR colour codes (30–37, 90–97); bold and inverse remain.
    expect(plain.frames.join("")).not.toMatch(sgrColour);
    plain.unmount();
  });
});
