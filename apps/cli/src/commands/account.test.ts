import { beforeAll, describe, expect, it } from "vitest";
import { cli, tempHome } from "../test-support/run-cli.js";

describe("sealbox account", () => {
  let home: string;
  beforeAll(() => {
    home = tempHome();
  });

  it("adds an account with its mailboxes, creating a missing domain and saying so", async () => {
    const add = await cli(
      home,
      ["account", "add", "Alice@Example.com", "--password-env", "PW", "--name", "Alice Example"],
      {
        env: { PW: "s3cret pw" },
      },
    );
    expect(add.code).toBe(0);
    expect(add.stderr).toContain("created domain example.com with default settings");
    expect(add.stdout).toContain("INBOX, Sent, Drafts and Trash");
    const boxes = await cli(home, ["mailbox", "list", "Alice@example.com", "--json"]);
    expect(JSON.parse(boxes.stdout).map((b: { name: string }) => b.name)).toEqual([
      "INBOX",
      "Sent",
      "Drafts",
      "Trash",
    ]);
    // The second account in the domain does not create it again.
    const second = await cli(
      home,
      ["account", "add", "bob@example.com", "--password-env", "PW", "--role", "domain-admin"],
      {
        env: { PW: "x" },
      },
    );
    expect(second.code).toBe(0);
    expect(second.stderr).toBe("");
  });

  it("lists accounts as JSON, all or per domain", async () => {
    const list = await cli(home, ["account", "list", "example.com", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({
        address: "Alice@example.com",
        domain: "example.com",
        name: "Alice Example",
        from: "Alice@example.com",
        encryptionMethod: "AES-256-CBC",
        smime: true,
        disabled: false,
        role: "user",
      }),
      expect.objectContaining({ address: "bob@example.com", role: "domain-admin" }),
    ]);
    expect((await cli(home, ["account", "list", "missing.example"])).code).toBe(1);
  });

  it("sets name, From, Encryption Method, S/MIME and disabled", async () => {
    const set = await cli(home, [
      "account",
      "set",
      "bob@example.com",
      "--name",
      "Bob B",
      "--from",
      "robert@example.com",
      "--encryption-method",
      "AES-128-CBC",
      "--smime",
      "off",
      "--disabled",
      "on",
      "--json",
    ]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      name: "Bob B",
      from: "robert@example.com",
      encryptionMethod: "AES-128-CBC",
      smime: false,
      disabled: true,
    });
    const back = await cli(home, [
      "account",
      "set",
      "bob@example.com",
      "--from",
      "default",
      "--encryption-method",
      "default",
      "--json",
    ]);
    expect(JSON.parse(back.stdout)).toMatchObject({
      from: "bob@example.com",
      encryptionMethod: "AES-256-CBC",
    });
  });

  it("takes the password only from the named variable; unset or missing is a usage error", async () => {
    const unset = await cli(home, [
      "account",
      "add",
      "carol@example.com",
      "--password-env",
      "NOT_SET_ANYWHERE",
    ]);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/NOT_SET_ANYWHERE.*is not set/);
    // stdin is not a terminal here, so no prompt: exit 2 rather than hang.
    const missing = await cli(home, ["account", "add", "carol@example.com"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--password-env VAR is required/);
    // Set but empty is an empty password, which the store refuses for logins.
    const empty = await cli(home, ["account", "add", "carol@example.com", "--password-env", "PW"], {
      env: { PW: "" },
    });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/must not be empty/);
    expect(
      (await cli(home, ["account", "add", "alice@EXAMPLE.com", "--password-env", "PW"], { env: { PW: "x" } }))
        .code,
    ).toBe(1);
  });

  it("never writes the password to the store", async () => {
    const { readFileSync, readdirSync } = await import("node:fs");
    await cli(home, ["account", "add", "dave@example.com", "--password-env", "PW"], {
      env: { PW: "UniquePasswordMarker123" },
    });
    for (const f of readdirSync(home).filter((n) => n.startsWith("sealbox.db")))
      expect(readFileSync(`${home}/${f}`).includes("UniquePasswordMarker123")).toBe(false);
  });
});
