import { beforeAll, describe, expect, it } from "vitest";
import { cli, tempHome } from "./test-support/run-cli.js";

describe("sealbox domain", () => {
  let home: string;
  beforeAll(() => {
    home = tempHome();
  });

  it("adds a domain and lists it as JSON with the documented defaults", async () => {
    const add = await cli(home, ["domain", "add", "Example.ORG", "--directory", "off"]);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain("added domain example.org");
    const list = await cli(home, ["domain", "list", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({
        name: "example.org",
        smime: true,
        directory: false,
        unlockSeconds: 180,
        defaultCipher: "AES-256-CBC",
        hideSubject: false,
      }),
    ]);
  });

  it("sets S/MIME, directory, unlock seconds and the default cipher", async () => {
    const set = await cli(home, [
      "domain",
      "set",
      "example.org",
      "--smime",
      "off",
      "--directory",
      "on",
      "--unlock-seconds",
      "600",
      "--default-cipher",
      "aes-128-gcm",
      "--json",
    ]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      smime: false,
      directory: true,
      unlockSeconds: 600,
      defaultCipher: "AES-128-GCM",
    });
  });

  it("exits 1 with the reason for a refused value, 2 for a usage error", async () => {
    const rc2 = await cli(home, ["domain", "set", "example.org", "--default-cipher", "RC2(40bit)"]);
    expect(rc2.code).toBe(1);
    expect(rc2.stderr).toMatch(/not a cipher Sealbox encrypts with/);
    expect((await cli(home, ["domain", "add", "example.org"])).code).toBe(1);
    expect((await cli(home, ["domain", "set", "nope.example", "--smime", "on"])).stderr).toMatch(
      /no domain nope.example/,
    );
    expect((await cli(home, ["domain", "set", "example.org", "--smime", "maybe"])).code).toBe(2);
    expect((await cli(home, ["domain", "set", "example.org"])).code).toBe(2);
    expect((await cli(home, ["domain", "frob"])).code).toBe(2);
  });

  it("takes the store from --store", async () => {
    const other = tempHome();
    const add = await cli(home, ["domain", "add", "elsewhere.example", "--store", `sqlite:${other}/x.db`]);
    expect(add.code).toBe(0);
    const there = await cli(home, ["domain", "list", "--json", "--store", `sqlite:${other}/x.db`]);
    expect(JSON.parse(there.stdout).map((d: { name: string }) => d.name)).toEqual(["elsewhere.example"]);
    const here = await cli(home, ["domain", "list", "--json"]);
    expect(JSON.parse(here.stdout).map((d: { name: string }) => d.name)).not.toContain("elsewhere.example");
    expect((await cli(home, ["domain", "list", "--store", "mysql://x"])).code).toBe(2);
  });
});
