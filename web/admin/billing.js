// Billing: subscriptions by status (with each subscriber's invoices), the Stripe webhook ledger
// (replay of failed events) and refunds. A refund keeps one Idempotency-Key, shown on the form,
// until it succeeds or the form changes, so pressing Refund again after a timeout never refunds
// twice; the refunds made here are listed with their keys.
import { byId, h, latestLoad, withLoading } from "../ui.js";
import { invoiceTable, money, subscriptionText } from "./billing-parts.js";
import { clearFieldErrors, showProblemFields, table } from "./forms.js";

/** Subscriptions by status, paged, each with a button showing its subscriber's invoices. */
function initSubscriptions(admin, onRefund) {
  const filter = byId("subscription-filter");
  let nextCursor = null;
  let rows = [];

  async function showInvoices(sub, control) {
    const result = await withLoading("Loading invoices", control, () => admin.users.invoices(sub.userId));
    if (!result.ok) return;
    const box = byId("subscriber-invoices");
    const invoices = invoiceTable(h, result.value.invoices);
    for (const row of invoices.querySelectorAll("tr[data-invoice]")) {
      row.append(
        h("td", {}, h("button", { type: "button", onclick: () => onRefund(row.dataset.invoice) }, "Refund…")),
      );
    }
    box.replaceChildren(h("h4", {}, `Invoices of ${sub.email ?? sub.customerId}`), invoices);
    box.hidden = false;
  }

  function subscriptionRow(sub) {
    return h(
      "tr",
      { dataset: { subscription: sub.id } },
      h("td", {}, sub.email ?? "(no account)"),
      h("td", {}, subscriptionText(sub)),
      h("td", {}, new Date(sub.createdAt).toLocaleDateString()),
      h("td", {}, h("code", {}, sub.id)),
      h(
        "td",
        {},
        sub.userId
          ? h("button", { type: "button", onclick: (e) => showInvoices(sub, e.currentTarget) }, "Invoices")
          : null,
      ),
    );
  }

  const latest = latestLoad();

  async function load(more, control) {
    const status = String(new FormData(filter).get("status") || "") || undefined;
    const cursor = more ? (nextCursor ?? undefined) : undefined;
    if (!more) byId("subscription-more").hidden = true;
    const result = await latest("Loading subscriptions", control, () =>
      admin.subscriptions.list({ status, cursor }),
    );
    if (!result.ok) return;
    const page = result.value.subscriptions.map(subscriptionRow);
    rows = more ? [...rows, ...page] : page;
    nextCursor = result.value.nextCursor;
    byId("subscription-table").replaceChildren(
      table(h, ["Subscriber", "Subscription", "Since", "Id", ""], rows, "No subscriptions."),
    );
    byId("subscription-more").hidden = !nextCursor;
  }

  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    void load(false, filter.querySelector("button"));
  });
  byId("subscription-more").addEventListener("click", (event) => load(true, event.currentTarget));
  return () => load(false, null);
}

export function initBilling(backline) {
  const admin = backline.admin;
  const filter = byId("webhook-filter");
  const refundForm = byId("refund-form");
  let refundKey = "";
  const refunds = [];
  /** A new key for the next refund, shown on the form. */
  function newRefundKey() {
    refundKey = crypto.randomUUID();
    byId("refund-key").textContent = refundKey;
  }
  newRefundKey();
  const loadSubscriptions = initSubscriptions(admin, (invoiceId) => {
    refundForm.elements.invoiceId.value = invoiceId;
    newRefundKey();
    refundForm.elements.amount.focus();
  });

  const latestEvents = latestLoad();

  async function loadEvents(control) {
    const status = String(new FormData(filter).get("status") || "") || undefined;
    const result = await latestEvents("Loading webhook events", control, () =>
      admin.webhookEvents.list({ status }),
    );
    if (!result.ok) return;
    const rows = result.value.events.map((e) =>
      h(
        "tr",
        { dataset: { event: e.id } },
        h("td", {}, new Date(e.receivedAt).toLocaleString()),
        h("td", {}, e.type),
        h("td", {}, e.status),
        h("td", {}, String(e.attempts)),
        h("td", {}, e.error ?? ""),
        h(
          "td",
          {},
          e.status === "failed"
            ? h("button", { type: "button", onclick: (ev) => replay(e.id, ev.currentTarget) }, "Replay")
            : null,
        ),
      ),
    );
    byId("webhook-table").replaceChildren(
      table(h, ["Received", "Type", "Status", "Attempts", "Error", ""], rows, "No webhook events."),
    );
  }

  async function replay(id, control) {
    const result = await withLoading("Replaying the event", control, () => admin.webhookEvents.replay(id));
    if (result.ok) await loadEvents(null);
  }

  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    void loadEvents(filter.querySelector("button"));
  });
  refundForm.addEventListener("input", newRefundKey);
  refundForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(refundForm);
    const data = new FormData(refundForm);
    const amount = String(data.get("amount") || "");
    const note = String(data.get("note") || "").trim();
    const input = {
      invoiceId: String(data.get("invoiceId")).trim(),
      reason: String(data.get("reason")),
      ...(amount && { amount: Number(amount) }),
      ...(note && { note }),
    };
    if (
      !window.confirm(`Refund ${amount ? `${amount} (minor units)` : "what is left"} of ${input.invoiceId}?`)
    )
      return;
    const result = await withLoading("Refunding", refundForm.querySelector("button"), () =>
      admin.refund(input, refundKey),
    );
    if (!result.ok) {
      showProblemFields(refundForm, result.error);
      return;
    }
    const r = result.value;
    byId("refund-result").textContent =
      `Refund ${r.id}: ${money(r.amount, r.currency)} (${r.status ?? "pending"}).`;
    refunds.unshift(
      h(
        "tr",
        { dataset: { refund: r.id } },
        h("td", {}, h("code", {}, r.id)),
        h("td", {}, r.invoiceId),
        h("td", {}, money(r.amount, r.currency)),
        h("td", {}, r.status ?? "pending"),
        h("td", {}, h("code", {}, refundKey)),
      ),
    );
    byId("refund-list").replaceChildren(
      table(h, ["Refund", "Invoice", "Amount", "Status", "Idempotency-Key"], refunds, ""),
    );
    newRefundKey();
  });

  return () => Promise.all([loadSubscriptions(), loadEvents(null)]);
}
