// Audit log: entries newest first, filtered by action, actor, target and a date range.
import { byId, h, latestLoad } from "../ui.js";
import { auditRow } from "./billing-parts.js";
import { table } from "./forms.js";

/** The filter form as the API's query (dates become whole UTC days). */
function filtersOf(form) {
  const data = new FormData(form);
  const text = (name) => String(data.get(name) || "").trim() || undefined;
  const from = text("from");
  const to = text("to");
  return {
    action: text("action"),
    actor: text("actor"),
    target: text("target"),
    from: from && `${from}T00:00:00Z`,
    to: to && `${to}T23:59:59.999Z`,
  };
}

export function initAudit(backline) {
  const form = byId("audit-filter");
  let filters = {};
  let nextCursor = null;
  let rows = [];
  const latest = latestLoad();

  async function load(more, control) {
    const cursor = more ? (nextCursor ?? undefined) : undefined;
    // A new first page: the old list's next page is no longer one to ask for.
    if (!more) byId("audit-more").hidden = true;
    const result = await latest("Loading the audit log", control, () =>
      backline.admin.auditLogs.list({ ...filters, cursor }),
    );
    if (!result.ok) return;
    const page = result.value.entries.map(auditRow);
    rows = more ? [...rows, ...page] : page;
    nextCursor = result.value.nextCursor;
    byId("audit-table").replaceChildren(
      table(h, ["When", "Action", "Actor", "Target", "Details"], rows, "No entries match."),
    );
    byId("audit-more").hidden = !nextCursor;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    filters = filtersOf(form);
    void load(false, form.querySelector("button"));
  });
  byId("audit-more").addEventListener("click", (event) => load(true, event.currentTarget));
  return () => load(false, null);
}
