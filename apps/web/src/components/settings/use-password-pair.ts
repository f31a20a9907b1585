"use client";

import { useState } from "react";
import { hasErrors, type PasswordPairErrors, passwordPairErrors } from "./password-rules";

/** The state behind NewPasswordFields: values, and the errors found when the user last submitted. */
export function usePasswordPair() {
  const [values, setValues] = useState({ newPassword: "", reenterPassword: "" });
  const [errors, setErrors] = useState<PasswordPairErrors>({});
  return {
    ...values,
    errors,
    onChange(field: keyof PasswordPairErrors, value: string) {
      setValues((v) => ({ ...v, [field]: value }));
      setErrors((e) => ({ ...e, [field]: undefined }));
    },
    /** Checks the pair in the browser; false (with the errors shown) when it is not acceptable. */
    validate(): boolean {
      const found = passwordPairErrors(values.newPassword, values.reenterPassword);
      setErrors(found);
      return !hasErrors(found);
    },
    /** Errors from the server's check of the same fields (same wording). */
    setServerErrors(found: PasswordPairErrors) {
      setErrors(found);
    },
    clear() {
      setValues({ newPassword: "", reenterPassword: "" });
      setErrors({});
    },
  };
}
