import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type DevRequest, isRecord, parseJson, sendHtml, sendJson } from "../http-util";
import { renderMailboxPage, renderMessageHtml } from "./page";

/** One captured email. */
export interface MailMessage {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  receivedAt: string;
}

const MAX_MESSAGES = 1000;
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers": "content-type, x-backline-trace",
};

/** Captured emails, newest first. */
export class Mailbox {
  private messages: MailMessage[] = [];

  /** Stores a message and returns it with its id and arrival time. */
  add(input: Omit<MailMessage, "id" | "receivedAt">): MailMessage {
    const message: MailMessage = { ...input, id: randomUUID(), receivedAt: new Date().toISOString() };
    this.messages.unshift(message);
    if (this.messages.length > MAX_MESSAGES) this.messages.length = MAX_MESSAGES;
    return message;
  }

  /** Newest first, optionally only those addressed to `to` (case-insensitive). */
  list(to?: string): MailMessage[] {
    if (!to) return [...this.messages];
    const wanted = to.toLowerCase();
    return this.messages.filter((message) => message.to.some((address) => address.toLowerCase() === wanted));
  }

  /** One message by id. */
  get(id: string): MailMessage | undefined {
    return this.messages.find((message) => message.id === id);
  }

  /** Deletes everything; returns how many were removed. */
  clear(): number {
    const count = this.messages.length;
    this.messages = [];
    return count;
  }
}

function parseMessage(body: unknown): Omit<MailMessage, "id" | "receivedAt"> | string {
  if (!isRecord(body)) return "expected a JSON object";
  const to = typeof body.to === "string" ? [body.to] : body.to;
  if (
    !Array.isArray(to) ||
    to.length === 0 ||
    !to.every((address) => typeof address === "string" && address)
  ) {
    return '"to" must be an address or a non-empty array of addresses';
  }
  if (typeof body.from !== "string" || !body.from) return '"from" must be a non-empty string';
  for (const field of ["subject", "text", "html"] as const) {
    if (body[field] !== undefined && typeof body[field] !== "string") return `"${field}" must be a string`;
  }
  if (body.text === undefined && body.html === undefined) return 'one of "text" or "html" is required';
  return {
    from: body.from,
    to: to as string[],
    subject: typeof body.subject === "string" ? body.subject : "",
    text: typeof body.text === "string" ? body.text : "",
    html: typeof body.html === "string" ? body.html : "",
  };
}

/**
 * The mail catcher under /mailbox: POST/GET/DELETE /mailbox/messages, GET /mailbox/messages/:id,
 * GET /mailbox (HTML list) and GET /mailbox/messages/:id/html (the HTML body, sandboxed).
 */
export function createMailboxHandler(mailbox: Mailbox) {
  return async function handleMailbox(req: DevRequest, res: ServerResponse): Promise<boolean> {
    const { pathname, searchParams } = req.url;
    if (pathname !== "/mailbox" && !pathname.startsWith("/mailbox/")) return false;
    const parts = pathname.split("/").filter(Boolean).slice(1);
    const [collection, id, view] = parts;
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS);
      res.end();
    } else if (parts.length === 0 && req.method === "GET") {
      sendHtml(res, 200, renderMailboxPage(mailbox.list(searchParams.get("to") ?? undefined)));
    } else if (collection !== "messages" || parts.length > 3) {
      sendJson(res, 404, { error: "not found" }, CORS);
    } else if (id === undefined && req.method === "POST") {
      const parsed = parseMessage(parseJson(req.body));
      if (typeof parsed === "string") sendJson(res, 400, { error: parsed }, CORS);
      else sendJson(res, 201, { id: mailbox.add(parsed).id }, CORS);
    } else if (id === undefined && req.method === "GET") {
      sendJson(res, 200, { messages: mailbox.list(searchParams.get("to") ?? undefined) }, CORS);
    } else if (id === undefined && req.method === "DELETE") {
      sendJson(res, 200, { deleted: mailbox.clear() }, CORS);
    } else if (id !== undefined && req.method === "GET") {
      const message = mailbox.get(id);
      if (!message) sendJson(res, 404, { error: `no message ${id}` }, CORS);
      else if (view === "html") {
        res.setHeader("content-security-policy", "sandbox");
        sendHtml(res, 200, renderMessageHtml(message));
      } else if (view === undefined) sendJson(res, 200, message, CORS);
      else sendJson(res, 404, { error: "not found" }, CORS);
    } else {
      sendJson(res, 405, { error: "method not allowed" }, CORS);
    }
    return true;
  };
}
