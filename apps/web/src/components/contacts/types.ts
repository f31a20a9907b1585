import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/routers/app";

type Outputs = inferRouterOutputs<AppRouter>;
export type Book = Outputs["contacts"]["books"][number];
export type ContactRow = Outputs["contacts"]["list"][number];
export type ContactCertificateView = Outputs["contacts"]["certificates"][number];

/** A success (role status) or a failure (role alert), in words. */
export type Feedback = { kind: "status" | "alert"; text: string } | null;
