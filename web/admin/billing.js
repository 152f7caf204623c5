// Billing: the Stripe webhook ledger (replay of failed events) and refunds. A refund keeps one
// Idempotency-Key until it succeeds or the form changes, so pressing Refund again after a
// timeout never refunds twice.
import { byId, h, withLoading } from "../ui.js";
import { clearFieldErrors, showProblemFields, table } from "./forms.js";

export function initBilling(backline) {
  const admin = backline.admin;
  const filter = byId("webhook-filter");
  const refundForm = byId("refund-form");
  let refundKey = crypto.randomUUID();

  async function loadEvents(control) {
    const status = String(new FormData(filter).get("status") || "") || undefined;
    const result = await withLoading("Loading webhook events", control, () =>
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
  refundForm.addEventListener("input", () => {
    refundKey = crypto.randomUUID();
  });
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
      `Refund ${r.id}: ${r.amount} ${r.currency.toUpperCase()} (${r.status ?? "pending"}).`;
    refundKey = crypto.randomUUID();
  });

  return () => loadEvents(null);
}
