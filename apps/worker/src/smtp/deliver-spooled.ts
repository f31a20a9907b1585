import {
  type IncomingMessage,
  incomingMessage,
  isStorageFull,
  type SpooledMessage,
  type Store,
  StoreError,
} from "@sealbox/store";
import { errorFields } from "../log.js";
import { headerFromRefusal, ownAddresses } from "./sender-policy.js";
import { STORAGE_FULL, TEMPORARY_FAILURE } from "./smtp-reply.js";

/** What a delivery needs of its SMTP transaction: plain data, so it can cross to the delivery thread. */
export interface DeliveryRequest {
  session: string;
  /** The authenticated submitter's account id, if any. */
  user: string | undefined;
  /** Local recipients' account ids (distinct). */
  accounts: string[];
  /** Remote recipients (relayed only for an authenticated submitter). */
  remote: string[];
  mailFrom: string;
  receivedAt: number;
}

/** A log line the delivery asks for (the listener writes it, whichever thread delivered). */
export interface DeliveryLogLine {
  level: "info" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string;
}

/** The SMTP reply (250 text, or a code and text) and the log lines, as plain data. */
export interface DeliveryOutcome {
  reply: { code: 250; text: string } | { code: number; text: string };
  log: DeliveryLogLine[];
}

/** Delivers a spooled message: in this thread (deliverSpooled) or in the delivery thread. */
export type Deliver = (request: DeliveryRequest, message: SpooledMessage) => Promise<DeliveryOutcome>;

const reply = (error: { responseCode: number; message: string }) => ({
  code: error.responseCode,
  text: error.message,
});

/**
 * The reply to a message spooled in full: 250 only once every copy and job is committed. The
 * header block is parsed here, once: the sender policy, the rules and the listing rows all
 * read this parse.
 */
export async function deliverSpooled(
  store: Store,
  request: DeliveryRequest,
  spooled: SpooledMessage,
  now: () => number = Date.now,
): Promise<DeliveryOutcome> {
  const log: DeliveryLogLine[] = [];
  let message: IncomingMessage;
  try {
    message = incomingMessage(spooled);
  } catch (error) {
    if (!(error instanceof StoreError && error.field === "header")) throw error;
    log.push({
      level: "info",
      fields: { session: request.session, bytes: spooled.size },
      message: "smtp header block over the limits",
    });
    // Never delivered without its header: the rules (Discard, Store Encrypted) could not run.
    return { reply: { code: 552, text: `5.3.4 ${error.message}` }, log };
  }
  if (request.user) {
    const account = await store.accounts.byId(request.user);
    const refusal = headerFromRefusal(message.header.fields, ownAddresses(account));
    if (refusal) {
      log.push({
        level: "info",
        fields: { session: request.session },
        message: "smtp header From is not the sender's",
      });
      return { reply: reply(refusal), log };
    }
  }
  try {
    const result = await store.deliverMany(
      request.accounts.map((id) => ({ id })),
      message,
      {
        receivedAt: request.receivedAt,
        ...(request.remote.length > 0 && request.user
          ? {
              // The job gets the message from the spool: inline when small, else in a blob it owns.
              queue: {
                message: {
                  envelopeFrom: request.mailFrom,
                  recipients: request.remote,
                  accountId: request.user,
                },
              },
            }
          : {}),
      },
    );
    log.push({
      level: "info",
      fields: {
        session: request.session,
        bytes: message.size,
        local: result.deliveries.length,
        remote: request.remote.length,
        job: result.queued?.id ?? null,
        encrypted: result.deliveries.reduce(
          (n, d) => n + d.result.stored.filter((s) => s.encrypted).length,
          0,
        ),
        ms: now() - request.receivedAt,
      },
      message: "smtp message accepted",
    });
    return { reply: { code: 250, text: "2.0.0 OK: stored" }, log };
  } catch (error) {
    log.push({
      level: "error",
      fields: { session: request.session, ...errorFields(error), ms: now() - request.receivedAt },
      message: "smtp delivery failed",
    });
    return { reply: reply(isStorageFull(error) ? STORAGE_FULL() : TEMPORARY_FAILURE()), log };
  }
}
