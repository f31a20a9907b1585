import { Alert, Notice } from "~/components/ui/controls";
import type { Feedback } from "./types";

/** Successes as role status, failures as role alert. */
export function FeedbackLine({ feedback }: { feedback: Feedback }) {
  if (!feedback) return null;
  return feedback.kind === "status" ? <Notice>{feedback.text}</Notice> : <Alert>{feedback.text}</Alert>;
}
