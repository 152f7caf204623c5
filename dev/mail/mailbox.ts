import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { isRecord } from "../http-util";
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
export function mailboxApp(mailbox: Mailbox): Hono {
  const app = new Hono().basePath("/mailbox");
  app.get("/", (c) => c.html(renderMailboxPage(mailbox.list(c.req.query("to")))));
  app.use(
    "/messages/*",
    cors({
      origin: "*",
      allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
      allowHeaders: ["content-type", "x-backline-trace"],
    }),
  );
  app.post("/messages", async (c) => {
    const parsed = parseMessage(await c.req.json().catch(() => undefined));
    if (typeof parsed === "string") return c.json({ error: parsed }, 400);
    return c.json({ id: mailbox.add(parsed).id }, 201);
  });
  app.get("/messages", (c) => c.json({ messages: mailbox.list(c.req.query("to")) }));
  app.delete("/messages", (c) => c.json({ deleted: mailbox.clear() }));
  app.get("/messages/:id", (c) => {
    const message = mailbox.get(c.req.param("id"));
    return message ? c.json(message) : c.json({ error: `no message ${c.req.param("id")}` }, 404);
  });
  app.get("/messages/:id/html", (c) => {
    const message = mailbox.get(c.req.param("id"));
    if (!message) return c.json({ error: `no message ${c.req.param("id")}` }, 404);
    c.header("content-security-policy", "sandbox");
    return c.html(renderMessageHtml(message));
  });
  return app;
}
