import { describe, expect, it } from "vitest";
import type { AppFailure } from "~/components/ui/errors";
import { pfxFailureText } from "./password-rules";

const failure = (appCode: string, message: string): AppFailure =>
  ({ appCode, message, fieldErrors: null }) as unknown as AppFailure;

describe("why a PFX file was refused, in words", () => {
  it("names each cause core and store give", () => {
    expect(
      pfxFailureText(failure("missing-certificates", "the PKCS#12 holds a key but no certificate")),
    ).toBe("The file holds a private key but no certificate for it.");
    expect(pfxFailureText(failure("key-certificate-mismatch", "x"))).toBe(
      "The key and the certificate in the file do not match.",
    );
    expect(pfxFailureText(failure("wrong-password", "wrong password"))).toBe("Wrong file password.");
    expect(pfxFailureText(failure("malformed", "bad DER"))).toBe("The file is not a PKCS#12 (PFX) file.");
  });
});
