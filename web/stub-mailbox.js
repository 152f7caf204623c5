// The stub mailbox: stub mode sends no email, so what the API would have emailed (welcome,
// confirmation and reset links, notices) is listed here, links and all. `?to=` filters by address.
import { createBackline } from "/sdk/backline.js";
import { byId, h, withLoading } from "./ui.js";

const backline = createBackline({ mode: "stub", stubAppUrl: `${location.origin}/stub` });
window.backline = backline;
const to = new URLSearchParams(location.search).get("to") ?? undefined;

/** The email's text, with its links as anchors. */
function body(text) {
  const parts = text.split(/(https?:\/\/\S+)/);
  return h(
    "p",
    { className: "mail-text" },
    parts.map((part, i) => (i % 2 === 1 ? h("a", { className: "mail-link", href: part }, part) : part)),
  );
}

async function show() {
  const loaded = await withLoading("Reading the stub mailbox", byId("refresh-mailbox"), () =>
    backline.readStubMailbox(to),
  );
  if (!loaded.ok) return;
  const mails = loaded.value;
  byId("mail-list").replaceChildren(
    ...(mails.length === 0
      ? [h("li", { className: "muted" }, "No emails yet.")]
      : mails.map((mail) =>
          h(
            "li",
            { className: "mail", dataset: { template: mail.template, to: mail.to } },
            h("h3", { className: "mail-subject" }, mail.subject),
            h("p", { className: "muted" }, `To ${mail.to} · ${new Date(mail.sentAt).toLocaleString()}`),
            body(mail.text),
          ),
        )),
  );
}

byId("refresh-mailbox").addEventListener("click", show);
await show();
document.body.dataset.ready = "true";
