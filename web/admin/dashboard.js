// Dashboard: every admin metric over a from/to range of UTC days, as SVG charts or figures,
// with an empty state for what has no data. Each chart loads on its own, so one failing
// metric shows its error in its card and the others still draw.
import { byId, describeError, h } from "../ui.js";
import { barChart, lineChart, rankChart } from "./charts.js";

const DAY_MS = 86_400_000;
const isoDay = (date) => date.toISOString().slice(0, 10);
const percent = (rate) => `${Math.round(rate * 1000) / 10}%`;
const money = (minor, currency) =>
  new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() }).format(
    minor / 100,
  );

function figures(pairs) {
  return h(
    "dl",
    { className: "figures" },
    pairs.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, String(value))]),
  );
}

/** Each card: its metric, its title, and how its data is drawn. */
const CARDS = [
  [
    "signups",
    "Sign-ups per day",
    (d) =>
      barChart(
        d.map((p) => ({ label: p.day, value: p.signUps })),
        "Sign-ups per day",
      ),
  ],
  [
    "active-users",
    "Active users (DAU / WAU / MAU)",
    (d) =>
      lineChart(
        d.map((p) => p.day),
        [
          { name: "DAU", values: d.map((p) => p.dau) },
          { name: "WAU", values: d.map((p) => p.wau) },
          { name: "MAU", values: d.map((p) => p.mau) },
        ],
        "Active users",
      ),
  ],
  [
    "conversion",
    "Free → premium conversion",
    (d) =>
      figures([
        ["Signed up", d.signedUp],
        ["Subscribed since", d.converted],
        ["Rate", percent(d.rate)],
        ["Checkouts completed", d.checkoutsCompleted],
      ]),
  ],
  [
    "revenue",
    "Revenue (MRR and churn)",
    (d) =>
      d.length === 0
        ? h("p", { className: "empty" }, "No subscriptions in this range.")
        : d.map((r) =>
            figures([
              [`MRR (${r.currency.toUpperCase()})`, money(r.mrr, r.currency)],
              ["Active at start → end", `${r.activeAtStart} → ${r.activeAtEnd}`],
              ["Started / churned", `${r.started} / ${r.churned}`],
              ["Churn rate", percent(r.churnRate)],
            ]),
          ),
  ],
  [
    "lesson-funnel",
    "Lesson funnel (started → completed)",
    (d) =>
      rankChart(
        d.map((r) => ({
          label: r.title ?? r.lessonId,
          value: r.started,
          note: `${r.completed}/${r.started}`,
        })),
        "Lessons started, with completions",
      ),
  ],
  [
    "top-shared-patterns",
    "Top shared patterns (link opens)",
    (d) =>
      rankChart(
        d.map((r) => ({ label: r.name, value: r.opens })),
        "Share link opens per pattern",
      ),
  ],
  [
    "failed-webhooks",
    "Failed Stripe webhooks",
    (d) => [
      barChart(
        d.days.map((p) => ({ label: p.day, value: p.failed })),
        "Failed webhooks per day",
      ),
      d.byType.length > 0 ? figures(d.byType.map((t) => [t.type, t.failed])) : null,
    ],
  ],
  [
    "outbox-backlog",
    "Email outbox",
    (d) => [
      barChart(
        d.days.map((p) => ({ label: p.day, value: p.queued })),
        "Emails queued per day",
      ),
      figures([
        ["Unsent now", d.pending],
        ["Oldest unsent", d.oldestPendingAt ? new Date(d.oldestPendingAt).toLocaleString() : "—"],
      ]),
    ],
  ],
];

export function initDashboard(backline) {
  const form = byId("range");
  const today = new Date();
  form.elements.to.value = isoDay(today);
  form.elements.from.value = isoDay(new Date(today.getTime() - 29 * DAY_MS));

  async function loadCard(card, [name, title, draw], range) {
    card.replaceChildren(h("h3", {}, title), h("p", { className: "muted" }, "Loading…"));
    card.setAttribute("aria-busy", "true");
    try {
      const data = await backline.metrics.get(name, range);
      card.replaceChildren(h("h3", {}, title), ...[draw(data)].flat().filter(Boolean));
    } catch (error) {
      card.replaceChildren(
        h("h3", {}, title),
        h("p", { className: "error", role: "alert" }, describeError(error)),
      );
    } finally {
      card.removeAttribute("aria-busy");
    }
  }

  async function load() {
    const range = { from: form.elements.from.value, to: form.elements.to.value };
    const cards = CARDS.map(([name]) => h("article", { className: "chart", dataset: { metric: name } }));
    byId("charts").replaceChildren(...cards);
    const button = form.querySelector("button");
    button.disabled = true;
    await Promise.all(CARDS.map((spec, i) => loadCard(cards[i], spec, range)));
    button.disabled = false;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  return load;
}
