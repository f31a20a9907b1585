import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/routers/app";

type MailOutputs = inferRouterOutputs<AppRouter>["mail"];

export type MailboxItem = MailOutputs["mailboxes"][number];
export type MessageSummary = MailOutputs["list"]["messages"][number];
export type MessageViewData = MailOutputs["read"];
export type LayerData = MessageViewData["layers"][number];
export type SignedLayerData = Extract<LayerData, { type: "signed" }>;
export type SignerData = SignedLayerData["signers"][number];
export type AttachmentData = MessageViewData["attachments"][number];
export type HeadersData = MessageViewData["headers"];

/** A success (role status) or failure (role alert) sentence shown after an action. */
export interface MailNotice {
  tone: "status" | "alert";
  text: string;
}
