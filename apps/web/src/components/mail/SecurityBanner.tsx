import { Lock, PenLine, ShieldAlert } from "lucide-react";
import type { LayerData } from "./types";

/**
 * The words of one S/MIME layer, outermost first: "Encrypted AES-256-CBC" or
 * "Signed Data (Text SHA-256)". The colour repeats the words; it never replaces them.
 */
export function SecurityBanner({ layer }: { layer: LayerData }) {
  if (layer.type === "encrypted")
    return (
      <p className="flex items-center gap-2 rounded-md border border-blue-200 bg-blue-50 px-3 py-1.5 text-sm font-medium text-blue-900">
        <Lock aria-hidden className="h-4 w-4 shrink-0" />
        {layer.banner}
      </p>
    );
  const Icon = layer.verified ? PenLine : ShieldAlert;
  return (
    <p
      className={`flex items-center gap-2 rounded-md border px-3 py-1.5 text-sm font-medium ${layer.verified ? "border-green-200 bg-green-50 text-green-900" : "border-red-200 bg-red-50 text-red-900"}`}
    >
      <Icon aria-hidden className="h-4 w-4 shrink-0" />
      {layer.banner}
    </p>
  );
}
