import type { Config } from "../config";

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Sends one email through the transport the bindings choose: `log` (the worker log),
 * `mailbox` (the dev stack's mailbox), or an HTTP provider (`resend`, `postmark`) over
 * fetch. Throws when the transport refuses it, so the outbox keeps it for a retry.
 */
export async function sendEmail(config: Config, email: OutgoingEmail): Promise<void> {
  const from = config.MAIL_FROM;
  switch (config.MAIL_TRANSPORT) {
    case "log":
      console.log(
        JSON.stringify({ level: "info", msg: "email (log transport)", to: email.to, subject: email.subject }),
      );
      return;
    case "mailbox":
      return post(`${config.MAIL_URL}/messages`, { from, ...email });
    case "resend":
      return post(
        "https://api.resend.com/emails",
        { from, to: [email.to], subject: email.subject, text: email.text, html: email.html },
        { Authorization: `Bearer ${config.MAIL_API_KEY}` },
      );
    case "postmark":
      return post(
        "https://api.postmarkapp.com/email",
        { From: from, To: email.to, Subject: email.subject, TextBody: email.text, HtmlBody: email.html },
        { "X-Postmark-Server-Token": config.MAIL_API_KEY ?? "", Accept: "application/json" },
      );
  }
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`mail transport answered ${res.status}`);
}
