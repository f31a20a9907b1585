import { describe, expect, it } from "vitest";
import { attachmentDisposition, safeFileName } from "./content-disposition";

describe("download file names", () => {
  it("drops what could disguise or misplace a file: bidi overrides, C0/C1 controls, path characters", () => {
    expect(safeFileName("invoice\u202Efdp.exe")).toBe("invoice fdp.exe");
    expect(safeFileName("a\u0085b\u0007c\u2066d")).toBe("a b c d");
    expect(safeFileName("../../etc/passwd")).toBe(".. .. etc passwd");
    expect(safeFileName('Re: "plans" <draft>?')).toBe("Re plans draft");
    expect(safeFileName("   ")).toBe("");
  });

  it("cuts at a code point, never inside a surrogate pair", () => {
    const name = safeFileName(`${"x".repeat(79)}😀😀`);
    expect([...name]).toHaveLength(80);
    expect(name.endsWith("😀")).toBe(true);
  });

  it("writes an ASCII fallback and an RFC 8187 UTF-8 name with nothing outside attr-char", () => {
    const header = attachmentDisposition("Grüße (Tom's).eml");
    expect(header).toBe(
      `attachment; filename="Gr__e (Tom's).eml"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%28Tom%27s%29.eml`,
    );
  });
});
