import { describe, expect, it } from "vitest";
import { buildDsn, statusOf } from "./build-dsn.js";

const base = {
  reportingMta: "mx.example",
  to: "sender@example.org",
  arrivalDate: Date.UTC(2025, 0, 2, 3, 4, 5),
  at: Date.UTC(2025, 0, 2, 4, 0, 0),
};

/** The parts of a multipart/report, split at its boundary (RFC 2046 §5.1.1). */
function parts(dsn: Buffer): string[] {
  const text = dsn.toString("latin1");
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1] ?? "";
  return text.split(`\r\n--${boundary}`).slice(1, -1);
}

describe("RFC 3464 delivery status notification", () => {
  it("takes the enhanced status code from the reply, else the class default", () => {
    expect(statusOf("550 5.1.1 <x@y>: user unknown", true)).toBe("5.1.1");
    expect(statusOf("452-4.2.2 mailbox full", false)).toBe("4.2.2");
    expect(statusOf("554 rejected", true)).toBe("5.0.0");
    expect(statusOf("ECONNECTION: connect ECONNREFUSED", false)).toBe("4.4.7");
  });

  it("is a multipart/report with a human part, message/delivery-status and the original headers only", () => {
    const original = Buffer.from("From: a@b\nSubject: hello\nX-Long: 1\n\nsecret body\n");
    const dsn = buildDsn({
      ...base,
      failed: [{ recipient: "gone@remote.example", status: "5.1.1", diagnostic: "550 5.1.1 no such user" }],
      original,
    });
    const text = dsn.toString("latin1");
    expect(text).toMatch(
      /^From: Mail Delivery System <MAILER-DAEMON@mx\.example>\r\nTo: <sender@example\.org>\r\n/,
    );
    expect(text).toContain("Auto-Submitted: auto-replied\r\n");
    expect(text).toMatch(/Content-Type: multipart\/report; report-type=delivery-status;/);
    const [human, status, headers] = parts(dsn);
    expect(human).toContain("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
    expect(human).toContain("<gone@remote.example>: 550 5.1.1 no such user");
    expect(status).toBe(
      "\r\nContent-Type: message/delivery-status\r\n\r\n" +
        "Reporting-MTA: dns; mx.example\r\n" +
        "Arrival-Date: Thu, 02 Jan 2025 03:04:05 +0000\r\n\r\n" +
        "Final-Recipient: rfc822; gone@remote.example\r\n" +
        "Action: failed\r\n" +
        "Status: 5.1.1\r\n" +
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n" +
        "Last-Attempt-Date: Thu, 02 Jan 2025 04:00:00 +0000",
    );
    // Returned in CRLF form, like the rest of the report.
    expect(headers).toBe(
      "\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: a@b\r\nSubject: hello\r\nX-Long: 1",
    );
    expect(text).not.toContain("secret body");
  });

  it("keeps untrusted reply text to one line of printable ASCII", () => {
    const dsn = buildDsn({
      ...base,
      failed: [{ recipient: "x@y", status: "5.0.0", diagnostic: "550 bad\r\nInjected: header\u00e9" }],
      original: Buffer.from("Subject: s\r\n\r\nb\r\n"),
    });
    expect(dsn.toString("latin1")).toContain("Diagnostic-Code: smtp; 550 bad??Injected: header?\r\n");
    expect(dsn.toString("latin1")).not.toMatch(/\r\nInjected:/);
  });

  it("returns at most 64 KiB of headers, cut at a line", () => {
    const huge = Buffer.from(
      `${"X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(3000)}\r\nbody`,
    );
    const dsn = buildDsn({
      ...base,
      failed: [{ recipient: "x@y", status: "5.0.0", diagnostic: "550" }],
      original: huge,
    });
    const headers = parts(dsn)[2] ?? "";
    expect(headers.length).toBeLessThanOrEqual(64 * 1024 + 100);
    expect(headers.endsWith("aaaa")).toBe(true);
    expect(dsn.toString("latin1")).not.toContain("body");
  });
});
