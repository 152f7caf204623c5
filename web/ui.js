// Small DOM helpers shared by the pages: element lookup, the busy state of network actions,
// and errors in plain words from RFC 9457 problem details.

/** The element with this id (throws when the page lacks it: a bug in the page). */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element;
}

/** Creates an element with properties and children. */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key in element && key !== "list") element[key] = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  element.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return element;
}

/** Field names as a person would say them. */
const FIELD_NAMES = {
  displayName: "Display name",
  tempo: "Tempo",
  name: "Name",
  avatarUrl: "Avatar URL",
  currentPassword: "Current password",
  newPassword: "New password",
  token: "The link",
};

function fieldLabel(path) {
  const last = String(path ?? "")
    .split(/[./]/)
    .filter(Boolean)
    .pop();
  if (!last) return "";
  return FIELD_NAMES[last] ?? last.charAt(0).toUpperCase() + last.slice(1);
}

/** One sentence (or a few) for a person, from a BacklineError / problem details / any error. */
export function describeError(error) {
  if (!error || typeof error !== "object") return String(error ?? "Something went wrong.");
  if (error.name === "TypeError" && /fetch/i.test(error.message ?? "")) {
    return "Cannot reach the server. Check your connection and try again.";
  }
  const parts = [];
  const lead = error.detail || error.title || error.message || "Something went wrong.";
  parts.push(/[.!?]$/.test(lead) ? lead : `${lead}.`);
  if (Array.isArray(error.errors)) {
    for (const item of error.errors) {
      const label = fieldLabel(item.path);
      parts.push(label ? `${label} ${item.message}.` : `${item.message}.`);
    }
  }
  return parts.join(" ");
}

const status = () => document.getElementById("status");
const errorBox = () => document.getElementById("error");

/** Shows an error in the page's alert box. */
export function showError(error, what) {
  const box = errorBox();
  if (!box) return;
  const text = describeError(error);
  box.textContent = what ? `${what}: ${text}` : text;
  box.hidden = false;
}

export function clearError() {
  const box = errorBox();
  if (box) {
    box.textContent = "";
    box.hidden = true;
  }
}

let inFlight = 0;

/**
 * Runs a network action with a loading state: the control is disabled and marked busy,
 * the status line says what is happening, and a failure lands in the alert box.
 * Resolves with `{ ok: true, value }`, or `{ ok: false, error }` once the error is shown.
 */
export async function withLoading(label, control, action) {
  clearError();
  inFlight += 1;
  document.body.setAttribute("aria-busy", "true");
  const line = status();
  if (line) line.textContent = `${label}…`;
  if (control) {
    control.disabled = true;
    control.setAttribute("aria-busy", "true");
  }
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    console.error(label, error);
    showError(error, label);
    return { ok: false, error };
  } finally {
    inFlight -= 1;
    if (control) {
      control.disabled = false;
      control.removeAttribute("aria-busy");
    }
    if (inFlight === 0) {
      document.body.removeAttribute("aria-busy");
      if (line) line.textContent = "";
    }
  }
}

/**
 * `withLoading` for one view whose loads supersede each other: when a load starts while an
 * earlier one is still running, the earlier one's answer is dropped when it comes (it resolves
 * `{ ok: false, superseded: true }`, and a failure of it is not shown). A filter submitted
 * during a list's first load, or a score saved while the lesson's progress is still loading,
 * stays on screen instead of being overwritten by the earlier request's late answer.
 */
export function latestLoad() {
  let latest = 0;
  async function load(label, control, action) {
    const mine = ++latest;
    const current = () => mine === latest;
    // A superseded load's failure is not shown either: the view already shows a later answer.
    const result = await withLoading(label, control, async () => {
      try {
        return await action();
      } catch (error) {
        if (current()) throw error;
      }
    });
    return current() ? result : { ok: false, superseded: true };
  }
  /** Drops the answer of any load still running: for an action whose own answer replaces it. */
  load.supersede = () => {
    latest += 1;
  };
  return load;
}
