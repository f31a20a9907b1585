"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Field } from "~/components/ui/controls";
import { failureOf } from "~/components/ui/errors";
import { useTRPC } from "~/trpc/client";

/** Shown for any page while signed out; after Log In the same page loads signed in. */
export function LoginForm() {
  const trpc = useTRPC();
  const [account, setAccount] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: () => window.location.reload(),
    }),
  );
  const failure = failureOf(login.error);
  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <form
        className="flex w-full max-w-sm flex-col gap-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
        onSubmit={(e) => {
          e.preventDefault();
          login.mutate({ account, password });
        }}
      >
        <h1 className="text-xl font-semibold">Sign in to Sealbox</h1>
        <Field
          label="Account"
          type="text"
          inputMode="email"
          autoCapitalize="none"
          spellCheck={false}
          autoComplete="username"
          placeholder="you@example.com"
          value={account}
          onChange={(e) => setAccount(e.target.value)}
          required
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        {failure && <Alert>{failure.message}</Alert>}
        <Button type="submit" variant="primary" disabled={login.isPending}>
          {login.isPending ? "Logging in…" : "Log In"}
        </Button>
      </form>
    </main>
  );
}
