import { escapeHtml } from "../http-util";
import type { MailMessage } from "./mailbox";

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1f2328; }
h1 { font-size: 1.3rem; }
article { border: 1px solid #d0d7de; border-radius: 6px; margin: 0 0 1rem; padding: .75rem 1rem; }
header { display: flex; justify-content: space-between; gap: 1rem; color: #59636e; }
h2 { font-size: 1rem; margin: .25rem 0 .5rem; color: #1f2328; }
pre { white-space: pre-wrap; background: #f6f8fa; padding: .5rem; border-radius: 4px; margin: .5rem 0; }
.empty { color: #59636e; }
`;

/** The readable /mailbox page: every message with its text body and a link to its HTML body. */
export function renderMailboxPage(messages: MailMessage[]): string {
  const items = messages.map((message) => {
    const id = encodeURIComponent(message.id);
    const htmlLink = message.html ? ` · <a href="/mailbox/messages/${id}/html">view HTML</a>` : "";
    return `<article>
<header><span>From ${escapeHtml(message.from)} to ${escapeHtml(message.to.join(", "))}</span>
<time datetime="${escapeHtml(message.receivedAt)}">${escapeHtml(message.receivedAt)}</time></header>
<h2>${escapeHtml(message.subject || "(no subject)")}</h2>
<pre>${escapeHtml(message.text || "(no text body)")}</pre>
<a href="/mailbox/messages/${id}">JSON</a>${htmlLink}
</article>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backline mailbox (${messages.length})</title>
<style>${STYLE}</style></head>
<body><h1>Backline mailbox · ${messages.length} message${messages.length === 1 ? "" : "s"}</h1>
${items.join("\n") || '<p class="empty">No messages yet.</p>'}
</body></html>`;
}

/** A message's HTML body as its own document (served with CSP sandbox, so its scripts never run). */
export function renderMessageHtml(message: MailMessage): string {
  return message.html || `<!doctype html><meta charset="utf-8"><pre>${escapeHtml(message.text)}</pre>`;
}
