import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { sealboxInPty } from "./test-support/pty.js";
import {
  ALICE,
  LOGIN_PASSWORD,
  SECRET_SUBJECT,
  SECRET_TEXT,
  SECURE_PASSWORD,
  seedHome,
} from "./test-support/seed.js";

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, "../../../../bin/sealbox");

describe("sealbox, the terminal client, in a pseudo-terminal", () => {
  let home: string;
  beforeAll(async () => {
    // The domain hides the subject of encrypted mail: "[...]" outside, the real one inside.
    ({ home } = await seedHome({ plain: 3, hideSubject: true }));
  }, 120_000);

  it("logs in, unlocks in place, shows the verdicts and the cipher, decrypts in place and quits — at 80×24 with no line overflowing", async () => {
    const t = sealboxInPty([], { home, columns: 80, rows: 24 });
    try {
      await t.until("Account:");
      await t.press(ALICE);
      await t.press("\r");
      await t.until("Password:");
      await t.press(LOGIN_PASSWORD);
      await t.until(`Password: ${"*".repeat(LOGIN_PASSWORD.length)}`);
      expect(t.screen.text()).not.toContain(LOGIN_PASSWORD);
      await t.press("\r");
      await t.until("[...]");
      expect(t.screen.text()).not.toContain(SECRET_SUBJECT);
      expect(t.screen.text()).toContain("Secure Mail is Locked");
      // The newest message is selected: Enter opens it, locked, and the prompt comes up in place.
      await t.press("\r");
      await t.until("Secure Mail Password:");
      expect(t.screen.text()).toContain("Encrypted");
      await t.press(SECURE_PASSWORD);
      await t.until(`Secure Mail Password: ${"*".repeat(SECURE_PASSWORD.length)}`);
      expect(t.screen.text()).not.toContain(SECURE_PASSWORD);
      await t.press("\r");
      await t.until(SECRET_TEXT, 120_000);
      const opened = t.screen.text();
      expect(opened).toContain("Encrypted AES-256-CBC");
      expect(opened).toContain("Signed Data (Text SHA-256)");
      expect(opened).toContain("Content Unaltered as Verified By:");
      expect(opened).toContain("Bob Sender <bob@tui.example>");
      expect(opened).toMatch(/Secure Mail is Unlocked · \d+ min \d+ s left/);
      // Decrypted, the view shows the inner header: the real subject.
      expect(opened).toMatch(new RegExp(`Subject:? +${SECRET_SUBJECT}`));
      // The help line is the last line of the frame; the terminal's last row stays free.
      const lines = t.screen.lines();
      expect(lines[22]).toMatch(/Esc Back/);
      expect(lines[23]).toBe("");

      await t.press("d");
      await t.until("Decrypted: the plaintext replaced the encrypted message.", 120_000);
      await t.until("e Encrypt");
      expect(t.screen.text()).not.toContain("Encrypted AES-256-CBC");
      expect(t.screen.text()).toContain("Content Unaltered as Verified By:");
      expect(t.screen.text()).toContain(SECRET_TEXT);

      await t.press("\u001b");
      await t.until("q Quit");
      // Decrypted in place, the message is listed under its real subject.
      await t.until(SECRET_SUBJECT);
      expect(t.screen.text()).not.toContain("[...]");
      await t.press("q");
      expect(await t.exited).toBe(0);
      expect(t.screen.overflows).toEqual([]);
      // Redraws change lines in place: the screen is never cleared to draw a frame.
      expect(t.screen.clears).toBe(0);
    } finally {
      t.kill();
    }
  }, 300_000);

  it("follows the terminal when it grows: more of the list, nothing past the edge", async () => {
    const t = sealboxInPty([], { home, columns: 80, rows: 24 });
    try {
      await t.until("Account:");
      await t.press(ALICE);
      await t.press("\r");
      await t.until("Password:");
      await t.press(LOGIN_PASSWORD);
      await t.press("\r");
      await t.until("Plain note 1");
      t.resize(120, 30);
      await t.until(/INBOX {60,}Secure Mail is Locked/);
      await t.until("q Quit");
      const lines = t.screen.lines();
      expect(lines[0]).toMatch(/^Sealbox · alice@tui\.example · INBOX +Secure Mail is Locked$/);
      expect(lines[0]?.length).toBe(120);
      // The help is on the frame's last line, the terminal's last row free.
      await t.until(/q Quit\n$/);
      expect(t.screen.lines()[28]).toMatch(/q Quit$/);
      expect(t.screen.lines()[29]).toBe("");
      expect(t.screen.overflows).toEqual([]);
      await t.press("q");
      expect(await t.exited).toBe(0);
    } finally {
      t.kill();
    }
  }, 300_000);

  it("on a terminal, a store URL it cannot use is a usage error (exit 2), before anything is drawn", async () => {
    const t = sealboxInPty(["ui", "--store", "nosuch://somewhere"], { home, columns: 80, rows: 24 });
    try {
      expect(await t.exited).toBe(2);
      expect(t.screen.text()).toMatch(/^sealbox: .*nosuch/m);
      expect(t.screen.text()).not.toContain("Account:");
    } finally {
      t.kill();
    }
  }, 120_000);

  it("without a terminal, prints the help and exits 2 (sealbox alone and sealbox ui)", async () => {
    for (const args of [[], ["ui"]]) {
      const r = await run(bin, args, { env: { ...process.env, SEALBOX_HOME: home } }).catch(
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect(r).toMatchObject({ code: 2 });
      expect((r as { stderr: string }).stderr).toContain("Usage:");
    }
  });
});
