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
