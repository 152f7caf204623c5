// Field errors of a problem+json answer shown next to the fields they name.

/** Clears every field error of the form. */
export function clearFieldErrors(form) {
  for (const slot of form.querySelectorAll(".field-error")) slot.textContent = "";
}

/** Puts one message next to a field (`data-field` slot); false when the form has no slot for it. */
export function showFieldError(form, field, message) {
  const slot = form.querySelector(`.field-error[data-field="${field}"]`);
  if (!slot) return false;
  slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
  return true;
}

/** Shows each `errors[]` item of a problem next to the field its path starts with. */
export function showProblemFields(form, error) {
  for (const item of error?.errors ?? []) {
    const [field, ...rest] = String(item.path ?? "").split(".");
    const where = rest.length > 0 ? `${rest.join(".")}: ` : "";
    showFieldError(form, field, `${where}${item.message}.`);
  }
}

/** A table with a header row and one row per item; `empty` when there are none. */
export function table(h, columns, rows, empty) {
  if (rows.length === 0) return h("p", { className: "empty" }, empty);
  return h(
    "table",
    { className: "grid" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    h("tbody", {}, rows),
  );
}
