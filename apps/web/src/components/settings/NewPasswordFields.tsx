"use client";

import { Field } from "~/components/ui/controls";
import type { PasswordPairErrors } from "./password-rules";

/** New Password + Reenter Password, each with its own error next to it. */
export function NewPasswordFields({
  newPassword,
  reenterPassword,
  errors,
  onChange,
  hint,
}: {
  newPassword: string;
  reenterPassword: string;
  errors: PasswordPairErrors;
  onChange(field: keyof PasswordPairErrors, value: string): void;
  hint?: string;
}) {
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <Field
        label="New Password"
        type="password"
        autoComplete="new-password"
        value={newPassword}
        onChange={(e) => onChange("newPassword", e.target.value)}
        error={errors.newPassword}
        hint={hint ?? "8 to 100 characters, any language."}
      />
      <Field
        label="Reenter Password"
        type="password"
        autoComplete="new-password"
        value={reenterPassword}
        onChange={(e) => onChange("reenterPassword", e.target.value)}
        error={errors.reenterPassword}
      />
    </div>
  );
}
