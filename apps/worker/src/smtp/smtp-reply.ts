/** An error smtp-server answers with `responseCode` and our text (enhanced code first, RFC 3463). */
export class SmtpReply extends Error {
  override readonly name = "SmtpReply";
  readonly responseCode: number;

  constructor(responseCode: number, text: string) {
    super(text);
    this.responseCode = responseCode;
  }
}

export const TEMPORARY_FAILURE = () => new SmtpReply(451, "4.3.0 Temporary failure, please try again later");

/**
 * The store's disk is full: 452 4.3.1 (RFC 5321 §4.2.2 "insufficient system storage",
 * RFC 3463 "mail system full"). Temporary, so the sender keeps the message and retries.
 */
export const STORAGE_FULL = () => new SmtpReply(452, "4.3.1 Insufficient system storage, try again later");
