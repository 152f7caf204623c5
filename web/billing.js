// The premium panel: plans, "Upgrade" through Stripe Checkout, the subscription's state, the
// billing portal, cancelling and resuming, and the invoices. Back from Checkout the session is
// refreshed, because the access token carries the tier.
import { byId, h, latestLoad, withLoading } from "./ui.js";

function price(plan) {
  const amount = (plan.amount ?? 0) / 100;
  const money = new Intl.NumberFormat("en", { style: "currency", currency: plan.currency ?? "usd" }).format(
    amount,
  );
  return `${money} / ${plan.interval ?? "month"}`;
}

const LIVE = new Set(["active", "trialing", "past_due"]);

function describe(subscription, plans) {
  if (!subscription) return "You are on the free plan.";
  const onSale = plans.find((p) => p.id === subscription.plan || p.priceId === subscription.priceId);
  const plan = onSale?.name ?? "Premium";
  const status = subscription.status ?? "active";
  const until = subscription.currentPeriodEnd
    ? new Date(subscription.currentPeriodEnd).toLocaleDateString()
    : "";
  if (subscription.cancelAtPeriodEnd) return `${plan}: ${status}, ends on ${until}.`;
  return `${plan}: ${status}${until ? `, renews on ${until}` : ""}.`;
}

/** Initializes the panel; `app` is the shared app object of app.js. */
export function initBilling(app) {
  const { backline } = app;
  const params = new URLSearchParams(location.search);
  let returning = params.get("checkout");
  let plans = [];
  let subscription = null;

  function showSubscription(current) {
    subscription = current;
    const state = byId("subscription-state");
    state.textContent = describe(subscription, plans);
    state.dataset.status = subscription?.status ?? "none";
    const live = Boolean(subscription && LIVE.has(subscription.status));
    byId("manage-billing").hidden = !live;
    byId("cancel-subscription").hidden = !live || Boolean(subscription?.cancelAtPeriodEnd);
    byId("resume-subscription").hidden = !live || !subscription?.cancelAtPeriodEnd;
    byId("plan-list").hidden = live;
  }

  function money(cents, currency) {
    return new Intl.NumberFormat("en", { style: "currency", currency: currency || "usd" }).format(
      (cents ?? 0) / 100,
    );
  }

  const invoicesLoad = latestLoad();

  async function loadInvoices() {
    const loaded = await invoicesLoad("Loading your invoices", null, () =>
      backline.payment.listInvoices({ limit: 20 }),
    );
    if (!loaded.ok) return;
    const { invoices } = loaded.value;
    byId("invoices").hidden = invoices.length === 0;
    byId("invoice-list").replaceChildren(
      ...invoices.map((invoice) =>
        h(
          "li",
          { className: "invoice-item", dataset: { invoiceId: invoice.id, status: invoice.status } },
          h(
            "span",
            {},
            `${new Date(invoice.createdAt).toLocaleDateString()} · ${invoice.number ?? invoice.id}`,
          ),
          h(
            "span",
            { className: "muted" },
            ` ${money(invoice.amountPaid, invoice.currency)} ${invoice.status}` +
              (invoice.amountRefunded ? `, ${money(invoice.amountRefunded, invoice.currency)} refunded` : ""),
          ),
          invoice.hostedInvoiceUrl
            ? h("a", { href: invoice.hostedInvoiceUrl, target: "_blank", rel: "noopener" }, " View")
            : null,
        ),
      ),
    );
  }

  async function loadPlans() {
    const loaded = await withLoading("Loading plans", null, () => backline.payment.listPlans());
    if (!loaded.ok) return;
    plans = loaded.value;
    if (subscription) showSubscription(subscription);
    byId("plan-list").replaceChildren(
      ...plans.map((plan) => {
        const button = h(
          "button",
          { type: "button", className: "upgrade", dataset: { priceId: plan.priceId } },
          "Upgrade",
        );
        button.addEventListener("click", () => upgrade(plan, button));
        return h(
          "div",
          { className: "plan", dataset: { planId: plan.id } },
          h("h3", {}, plan.name),
          h("p", {}, price(plan)),
          h(
            "ul",
            {},
            (plan.features ?? []).map((f) => h("li", {}, f)),
          ),
          button,
        );
      }),
    );
  }

  async function upgrade(plan, button) {
    const session = await withLoading("Opening checkout", button, () =>
      backline.payment.createCheckoutSession(plan.priceId),
    );
    if (session.ok) location.assign(session.value.url);
  }

  /** Reads the subscription; after Checkout, waits for the webhook to land, then refreshes the session. */
  async function loadSubscription() {
    const read = () => backline.payment.getSubscription();
    const result = await withLoading("Loading your subscription", null, async () => {
      let found = await read();
      // Stripe's webhook may land a moment after the redirect: wait up to 5 s for it.
      for (let i = 0; returning === "success" && i < 20 && !(found && LIVE.has(found.status)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        found = await read();
      }
      return found;
    });
    if (!result.ok) return;
    showSubscription(result.value);
    void loadInvoices();
    const wasReturning = returning;
    returning = null;
    if (wasReturning) {
      const url = new URL(location.href);
      for (const key of ["checkout", "session_id", "portal"]) url.searchParams.delete(key);
      history.replaceState(null, "", url);
    }
    const live = Boolean(result.value && LIVE.has(result.value.status));
    if (live !== (app.user?.tier === "premium") || wasReturning) await app.refreshSession();
    if (wasReturning === "success" && live) app.notice("Welcome to Premium: every lesson is unlocked.");
    if (wasReturning === "cancel") app.notice("Checkout cancelled; nothing was charged.");
  }

  byId("manage-billing").addEventListener("click", async (event) => {
    const portal = await withLoading("Opening the billing portal", event.currentTarget, () =>
      backline.payment.createPortalSession(),
    );
    if (portal.ok) location.assign(portal.value.url);
  });
  byId("cancel-subscription").addEventListener("click", async (event) => {
    const done = await withLoading("Cancelling the subscription", event.currentTarget, () =>
      backline.payment.cancelSubscription(),
    );
    // Stripe's answer is the truth now; the local copy follows by webhook a moment later.
    if (done.ok) showSubscription(done.value);
  });
  byId("resume-subscription").addEventListener("click", async (event) => {
    const done = await withLoading("Keeping the subscription", event.currentTarget, () =>
      backline.payment.resumeSubscription(),
    );
    if (!done.ok) return;
    // Stripe's answer is the truth now; the local copy follows by webhook a moment later.
    showSubscription(done.value);
    app.notice("Your subscription continues: it renews at the end of the period.");
  });

  let lastUserId;
  app.onUser((user) => {
    if (!user) {
      lastUserId = undefined;
      byId("subscription-state").textContent = "Sign in to see your plan.";
      byId("plan-list").replaceChildren();
      byId("manage-billing").hidden = true;
      byId("cancel-subscription").hidden = true;
      byId("resume-subscription").hidden = true;
      byId("invoices").hidden = true;
      byId("invoice-list").replaceChildren();
      return;
    }
    if (user.id === lastUserId) return;
    lastUserId = user.id;
    void loadPlans();
    void loadSubscription();
  });
}
