import { testEnv } from "./harness";

export interface Mail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Emails the mailbox stand-in received for an address, newest first. */
export async function mailFor(address: string): Promise<Mail[]> {
  const res = await fetch(`${testEnv.MAILBOX_URL}/messages?to=${encodeURIComponent(address)}`);
  return ((await res.json()) as { messages: Mail[] }).messages;
}

/** The `token` query parameter of the first link in an email's text. */
export function tokenIn(mail: Mail | undefined): string {
  const match = /[?&]token=([\w-]+)/.exec(mail?.text ?? "");
  if (!match?.[1]) throw new Error(`no token link in ${JSON.stringify(mail?.subject)}`);
  return match[1];
}
