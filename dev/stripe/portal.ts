import type Stripe from "stripe";
import { requireCustomer } from "./customers";
import { summarizeOutcome } from "./delivery";
import type { StripeEmulator } from "./emulator";
import { stringParam } from "./form";
import { formatDate, formatMoney, html, join, page, type RawHtml } from "./pages";
import { productOf } from "./prices";
import { rejectUnknown, StripeApiError, stripeId, unixNow } from "./store";
import { customerSubscriptions, firstItem, requireSubscription, updateSubscription } from "./subscriptions";

const SESSIONS = "billing_portal_sessions";
const CONFIGURATION = "bpc_local_default";

function requirePortalSession(emulator: StripeEmulator, id: string): Stripe.BillingPortal.Session {
  const session = emulator.store.get<Stripe.BillingPortal.Session>(SESSIONS, id);
  if (!session) throw StripeApiError.missing("billing_portal.session", id);
  return session;
}

function subscriptionCard(
  emulator: StripeEmulator,
  session: Stripe.BillingPortal.Session,
  sub: Stripe.Subscription,
): RawHtml {
  const item = firstItem(sub);
  const product = productOf(emulator, item.price);
  const amount = formatMoney((item.price.unit_amount ?? 0) * (item.quantity ?? 1), item.price.currency);
  const base = `/_stripe/portal/${session.id}/subscriptions/${sub.id}`;
  let state: RawHtml;
  let action: RawHtml = html``;
  if (sub.status === "canceled") {
    state = html`Canceled on ${formatDate(sub.ended_at ?? sub.canceled_at ?? unixNow())}`;
  } else if (sub.cancel_at_period_end) {
    state = html`Cancels on ${formatDate(item.current_period_end)}`;
    action = html`<form method="post" action="${base}/resume"><button type="submit">Resume</button></form>`;
  } else {
    state = html`Renews on ${formatDate(item.current_period_end)}`;
    action = html`<form method="post" action="${base}/cancel"><button type="submit" class="secondary">Cancel</button></form>`;
  }
  return html`<div class="card" id="${sub.id}">
<strong>${product.name}</strong> · ${amount} per ${item.price.recurring?.interval ?? "month"}
<div>Status: <span class="status">${sub.status}</span>. ${state}</div>
${action}
</div>`;
}

function portalPage(emulator: StripeEmulator, session: Stripe.BillingPortal.Session): string {
  const customer = requireCustomer(emulator, session.customer, "customer");
  const subscriptions = customerSubscriptions(emulator, customer.id);
  const cards =
    subscriptions.length === 0
      ? html`<p>No subscriptions.</p>`
      : join(subscriptions.map((sub) => subscriptionCard(emulator, session, sub)));
  return page(
    "Billing",
    html`<h1>Billing</h1>
<p>${customer.email ?? customer.id}</p>
${cards}
${session.return_url ? html`<p><a href="${session.return_url}">Return</a></p>` : html``}`,
  );
}

/** POST /v1/billing_portal/sessions, the portal page, and its Cancel/Resume actions. */
export function registerPortalRoutes(emulator: StripeEmulator): void {
  emulator.route("POST", "/v1/billing_portal/sessions", ({ form }) => {
    rejectUnknown(form, ["customer", "return_url", "configuration", "locale", "expand"]);
    const customerId = stringParam(form, "customer");
    if (!customerId) {
      throw new StripeApiError(
        400,
        "invalid_request_error",
        "Missing required param: customer.",
        "parameter_missing",
        "customer",
      );
    }
    const customer = requireCustomer(emulator, customerId, "customer");
    const id = stripeId("bps", 24);
    const session: Stripe.BillingPortal.Session = {
      id,
      object: "billing_portal.session",
      configuration: stringParam(form, "configuration") ?? CONFIGURATION,
      created: unixNow(),
      customer: customer.id,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: (stringParam(form, "locale") as Stripe.BillingPortal.Session.Locale | undefined) ?? null,
      on_behalf_of: null,
      return_url: stringParam(form, "return_url") ?? null,
      url: `${emulator.publicUrl}/_stripe/portal/${id}`,
    };
    return emulator.store.put(SESSIONS, session);
  });

  emulator.control("GET", "/_stripe/portal/:id", ({ params }) => ({
    html: portalPage(emulator, requirePortalSession(emulator, params.id ?? "")),
  }));

  emulator.control(
    "POST",
    "/_stripe/portal/:id/subscriptions/:sub/:action",
    async ({ params, wantsJson }) => {
      const session = requirePortalSession(emulator, params.id ?? "");
      const action = params.action;
      if (action !== "cancel" && action !== "resume") {
        throw new StripeApiError(404, "invalid_request_error", `Unknown portal action: ${action}`);
      }
      const current = requireSubscription(emulator, params.sub ?? "", "subscription");
      if (current.customer !== session.customer) throw StripeApiError.missing("subscription", current.id);
      const { subscription, sent } = updateSubscription(emulator, current, {
        cancelAtPeriodEnd: action === "cancel",
      });
      const deliveries = sent ? [summarizeOutcome(await sent)] : [];
      if (wantsJson) return { json: { subscription, deliveries } };
      return { redirect: `/_stripe/portal/${session.id}` };
    },
  );
}
