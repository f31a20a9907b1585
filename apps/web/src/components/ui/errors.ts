/** The sentence and code a failed tRPC call carries (see server/trpc.ts errorFormatter). */
export interface AppFailure {
  message: string;
  appCode: string | null;
  code: string | null;
  fieldErrors: Record<string, string[] | undefined> | null;
}

export function failureOf(error: unknown): AppFailure | null {
  if (!error) return null;
  const e = error as {
    message?: string;
    data?: {
      appCode?: string | null;
      code?: string;
      fieldErrors?: Record<string, string[] | undefined> | null;
    };
  };
  return {
    // Store and core word their errors as clauses ("wrong Secure Mail Password"): shown as a sentence.
    message: sentence(e.message ?? "Something went wrong."),
    appCode: e.data?.appCode ?? null,
    code: e.data?.code ?? null,
    fieldErrors: e.data?.fieldErrors ?? null,
  };
}

function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const capital = t[0]?.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Reads a File as base64 (uploads travel in JSON; PFX files and certificates are small). */
export async function fileToBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Saves bytes as a download with a file name (the explicit export path). */
export function downloadBase64(base64: string, filename: string, type = "application/x-pkcs12"): void {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
