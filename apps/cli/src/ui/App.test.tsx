import type { Store } from "@sealbox/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderClient, SIZE } from "./test-support/render-client.js";
import {
  ALICE,
  LOGIN_PASSWORD,
  openHomeStore,
  SECRET_SUBJECT,
  SECRET_TEXT,
  SECURE_PASSWORD,
  seedHome,
} from "./test-support/seed.js";
import { waitFor } from "./test-support/wait.js";

/** Every line fits the terminal, and the frame leaves the last row free (no scroll, no clear). */
function expectFits(frame: string) {
  const lines = frame.split("\n");
  expect(lines.length).toBeLessThanOrEqual(SIZE.rows - 1);
  for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(SIZE.columns);
}

describe("the terminal client", () => {
  let home: string;
  let store: Store;
  beforeAll(async () => {
    ({ home } = await seedHome({ plain: 30 }));
    store = await openHomeStore(home);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });

  it("logs in with a masked password and refuses a wrong one in the web's words", async () => {
    const c = renderClient(store);
    await c.until("Account:");
    await c.type(ALICE);
    await c.type("\r");
    await c.until("Password:");
    await c.type("not the password");
    expect(c.frame()).toContain(`Password: ${"*".repeat("not the password".length)}`);
    expect(c.frame()).not.toContain("not the password");
    await c.type("\r");
    await c.until("Wrong account or password.");
    c.unmount();
  });

  it("opens INBOX with the newest selected; a locked encrypted message asks to unlock in place, then shows its verdicts", async () => {
    const c = renderClient(store);
    await c.until("Account:");
    await c.type(`${ALICE}\r`);
    await c.until("Password:");
    await c.type(`${LOGIN_PASSWORD}\r`);
    await c.until(SECRET_SUBJECT);
    expect(c.frame()).toContain("Secure Mail is Locked");
    expect(c.frame()).toContain("u Unlock");
    expectFits(c.frame());
    // The frame fills all but the terminal's last row; its last line is the help.
    const listLines = c.frame().split("\n");
    expect(listLines).toHaveLength(SIZE.rows - 1);
    expect(listLines[SIZE.rows - 2]).toMatch(/q Quit$/);
    // The newest row is the selected one: Enter opens it.
    await c.type("\r");
    await c.until("Secure Mail Password:");
    expect(c.frame()).toContain("Encrypted");
    expect(c.frame()).not.toContain(SECRET_TEXT);
    await c.type(SECURE_PASSWORD);
    expect(c.frame()).not.toContain(SECURE_PASSWORD);
    await c.type("\r");
    await c.until(SECRET_TEXT, 60_000);
    const opened = c.frame();
    expect(opened).toContain("Encrypted AES-256-CBC");
    expect(opened).toContain("Signed Data (Text SHA-256)");
    expect(opened).toContain("Content Unaltered as Verified By:");
    expect(opened).toMatch(/Bob Sender <bob@tui\.example>/);
    expect(opened).toMatch(/Secure Mail is Unlocked · \d+ min \d+ s left/);
    expectFits(opened);

    // Decrypt in place: the signature stays, the encryption is gone.
    await c.type("d");
    await c.until("Decrypted: the plaintext replaced", 60_000);
    await waitFor(() => !c.frame().includes("Encrypted AES-256-CBC"), c.frame);
    expect(c.frame()).toContain("Signed Data (Text SHA-256)");
    expect(c.frame()).toContain(SECRET_TEXT);
    expect(c.frame()).toContain("e Encrypt");

    // Encrypt in place: sealed to Alice's own certificate, the signature inside it.
    await c.type("e");
    await c.until("Encrypted AES-256-CBC: the message is stored encrypted.", 60_000);
    await c.until("Encrypted AES-256-CBC\nSigned Data (Text SHA-256)");
    expect(c.frame()).toContain(SECRET_TEXT);
    c.unmount();
  }, 240_000);

  it("pages through a folder and shows folders with unread counts", async () => {
    const c = renderClient(store);
    await c.until("Account:");
    await c.type(`${ALICE}\r`);
    await c.until("Password:");
    await c.type(`${LOGIN_PASSWORD}\r`);
    await c.until("Plain note 29");
    expect(c.frame()).toContain("(page 1)");
    expect(c.frame()).not.toContain("Plain note 1\n");
    await c.type("n");
    await c.until("(page 2)");
    await c.until("Plain note 12");
    await c.type("f");
    await c.until(/INBOX\s+\d+\s+31/);
    expect(c.frame()).toMatch(/Sent\s+0\s+0/);
    expectFits(c.frame());
    c.unmount();
  });

  it("uses a larger terminal: more rows of the list, wider columns, nothing past the edge", async () => {
    const big = { columns: 120, rows: 40 };
    const c = renderClient(store, {}, big);
    await c.login();
    await c.until("Plain note 4\n");
    const lines = c.frame().split("\n");
    expect(lines.length).toBeLessThanOrEqual(big.rows - 1);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(big.columns);
    // 80×24 shows 18 rows of the list; 120×40 shows 34.
    expect(lines.filter((l) => l.includes("Plain note")).length).toBe(30);
    c.unmount();
  });
});
