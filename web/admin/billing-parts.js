// Pieces the Users and Billing views share: a subscription in words, an invoice table with
// Stripe's hosted invoice links, an audit log row.
import { h } from "../ui.js";
import { table } from "./forms.js";

/** An amount in minor units as money, e.g. 900 usd → "$9.00". */
export function money(amount, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() }).format(
      amount / 100,
    );
  } catch {
    return `${amount} ${currency}`;
  }
}

const day = (iso) => (iso ? new Date(iso).toLocaleDateString() : "—");

/** A subscription in one line: status, plan, period end, and whether it ends then. */
export function subscriptionText(sub) {
  if (!sub) return "none";
  const ends = sub.cancelAtPeriodEnd ? `cancels at period end (${day(sub.currentPeriodEnd)})` : null;
  const renews =
    !sub.cancelAtPeriodEnd && sub.currentPeriodEnd ? `renews ${day(sub.currentPeriodEnd)}` : null;
  return [sub.status, sub.plan ?? sub.priceId ?? "unknown plan", ends ?? renews].filter(Boolean).join(" · ");
}

/** Invoices with amounts, refunds and a link to Stripe's page of each. */
export function invoiceTable(hh, invoices) {
  const rows = invoices.map((i) =>
    hh(
      "tr",
      { dataset: { invoice: i.id } },
      hh("td", {}, day(i.issuedAt)),
      hh("td", {}, i.number ?? i.id),
      hh("td", {}, i.status),
      hh("td", {}, money(i.amountPaid, i.currency)),
      hh("td", {}, i.amountRefunded > 0 ? money(i.amountRefunded, i.currency) : ""),
      hh(
        "td",
        {},
        i.hostedInvoiceUrl
          ? hh(
              "a",
              { href: i.hostedInvoiceUrl, target: "_blank", rel: "noopener noreferrer" },
              "Invoice page",
            )
          : "",
      ),
      hh("td", {}, hh("code", {}, i.id)),
    ),
  );
  return table(hh, ["Issued", "Number", "Status", "Paid", "Refunded", "", "Id"], rows, "No invoices.");
}

/** One audit log entry as a table row. */
export function auditRow(e) {
  return h(
    "tr",
    { dataset: { action: e.action } },
    h("td", {}, new Date(e.createdAt).toLocaleString()),
    h("td", {}, e.action),
    h("td", {}, e.actorId ?? "system"),
    h("td", {}, [e.targetType, e.targetId].filter(Boolean).join(" ")),
    h("td", {}, h("code", {}, JSON.stringify(e.metadata))),
  );
}
