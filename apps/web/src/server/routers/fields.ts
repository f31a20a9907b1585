import { MAX_PASSWORD_CODE_POINTS, MIN_PASSWORD_CODE_POINTS } from "@sealbox/core";
import { z } from "zod";

const codePoints = (p: string) => [...p.normalize("NFC")].length;

/** A Secure Mail Password: 8–100 characters counted as code points (core's rule), any script. */
export const secureMailPassword = z
  .string()
  .refine((p) => codePoints(p) >= MIN_PASSWORD_CODE_POINTS, {
    message: `Use at least ${MIN_PASSWORD_CODE_POINTS} characters.`,
  })
  .refine((p) => codePoints(p) <= MAX_PASSWORD_CODE_POINTS, {
    message: `Use at most ${MAX_PASSWORD_CODE_POINTS} characters.`,
  });

/** New Password + Reenter Password: the mismatch is reported next to the second field. */
export const newPasswordPair = z
  .object({ newPassword: secureMailPassword, reenterPassword: z.string().max(1000) })
  .refine((v) => v.newPassword === v.reenterPassword, {
    message: "The passwords do not match.",
    path: ["reenterPassword"],
  });

/** An uploaded file, base64 in JSON (PFX files and certificates are small). */
export const base64File = (maxBytes: number) =>
  z
    .string()
    .max(Math.ceil((maxBytes * 4) / 3) + 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, "not base64");

export const fromBase64 = (b64: string): Uint8Array => Buffer.from(b64, "base64");
