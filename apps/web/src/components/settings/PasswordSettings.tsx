"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Field, Notice } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";
import { sentence, serverFieldError } from "./password-rules";

type Fields = "currentPassword" | "newPassword" | "reenterPassword";

const EMPTY: Record<Fields, string> = { currentPassword: "", newPassword: "", reenterPassword: "" };

/**
 * Settings → Password: the login password (not the Secure Mail Password). A wrong current
 * password counts as a failed login; afterwards the account's other sessions are signed out.
 */
export function PasswordSettings({ smimeEnabled }: { smimeEnabled: boolean }) {
  const trpc = useTRPC();
  const [values, setValues] = useState(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<Fields, string>>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const change = useMutation(
    trpc.settings.changePassword.mutationOptions({
      onSuccess: () => {
        setValues(EMPTY);
        setErrors({});
        setNotice("The password is changed. Your other sessions are signed out.");
      },
      onError: (error) => {
        const failure = failureOf(error);
        setErrors({
          currentPassword: serverFieldError(failure, "currentPassword"),
          newPassword: serverFieldError(failure, "newPassword"),
          reenterPassword: serverFieldError(failure, "reenterPassword"),
        });
      },
    }),
  );
  const failure = failureOf(change.error);
  const shownAtField = Object.values(errors).some(Boolean);
  const field = (name: Fields, label: string, autoComplete: string) => (
    <Field
      label={label}
      type="password"
      autoComplete={autoComplete}
      value={values[name]}
      onChange={(e) => {
        const value = e.target.value;
        setValues((v) => ({ ...v, [name]: value }));
        setErrors((x) => ({ ...x, [name]: undefined }));
      }}
      error={errors[name]}
    />
  );
  return (
    <form
      className="flex max-w-xl flex-col gap-4"
      onSubmit={(e) => {
        e.preventDefault();
        setNotice(null);
        // Checked here first with the server's wording; the server checks again.
        const found: Partial<Record<Fields, string>> = {};
        if (!values.currentPassword) found.currentPassword = "Enter your current password.";
        if (!values.newPassword) found.newPassword = "Choose a new password.";
        if (values.newPassword !== values.reenterPassword)
          found.reenterPassword = "The passwords do not match.";
        setErrors(found);
        if (Object.values(found).some(Boolean)) return;
        change.mutate(values);
      }}
    >
      <p className="text-sm text-slate-700">
        The password you log in with.
        {smimeEnabled &&
          " The Secure Mail Password that protects your key is a different one (Settings → Secure Mail)."}
      </p>
      {field("currentPassword", "Current Password", "current-password")}
      <div className="grid gap-4 sm:grid-cols-2">
        {field("newPassword", "New Password", "new-password")}
        {field("reenterPassword", "Reenter Password", "new-password")}
      </div>
      {failure && !shownAtField && <Alert>{sentence(failure.message)}</Alert>}
      {notice && <Notice>{notice}</Notice>}
      <div>
        <Button type="submit" variant="primary" disabled={change.isPending}>
          {change.isPending ? "Changing…" : "Change Password"}
        </Button>
      </div>
    </form>
  );
}
