// Lessons CMS: the catalogue by category and position (drafts included), create, edit,
// reorder with up/down, delete with confirmation. What is published shows in the demo at once:
// the demo reads the same GET /api/lessons.
import { byId, h, withLoading } from "../ui.js";
import { clearFieldErrors, showFieldError, showProblemFields, table } from "./forms.js";

/** The lesson form's fields as the API's LessonInput; null (with the error shown) when the config is not JSON. */
function readLessonForm(form) {
  const data = new FormData(form);
  let config;
  try {
    config = JSON.parse(String(data.get("config") || "{}"));
  } catch (error) {
    showFieldError(form, "config", `is not valid JSON (${error.message}).`);
    return null;
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    showFieldError(form, "config", 'must be a JSON object, like {"bpm": 90}.');
    return null;
  }
  return {
    id: String(data.get("id")).trim(),
    title: String(data.get("title")),
    category: String(data.get("category")).trim(),
    difficulty: String(data.get("difficulty")),
    position: Number(data.get("position") || 0),
    isPremium: data.get("isPremium") === "on",
    published: data.get("published") === "on",
    config,
  };
}

function fillLessonForm(form, lesson) {
  form.elements.id.value = lesson?.id ?? "";
  form.elements.id.readOnly = Boolean(lesson);
  form.elements.title.value = lesson?.title ?? "";
  form.elements.category.value = lesson?.category ?? "";
  form.elements.difficulty.value = lesson?.difficulty ?? "beginner";
  form.elements.position.value = String(lesson?.position ?? 0);
  form.elements.isPremium.checked = lesson?.isPremium ?? false;
  form.elements.published.checked = lesson?.published ?? false;
  form.elements.config.value = JSON.stringify(lesson?.config ?? {}, null, 2);
}

/** A loaded lesson as the PUT body (its id is in the path; the times are the server's). */
const lessonInput = ({ id: _id, updatedAt: _u, publishedAt: _p, ...rest }) => rest;

const byCategoryAndPosition = (a, b) =>
  a.category.localeCompare(b.category) || a.position - b.position || a.id.localeCompare(b.id);

export function initLessons(backline) {
  const form = byId("lesson-form");
  let lessons = [];
  /** The lesson being edited (its id), or null for a new one. */
  let editing = null;

  async function refresh() {
    const result = await withLoading("Loading lessons", null, () => backline.content.loadCurriculum());
    if (!result.ok) return;
    lessons = [...result.value].sort(byCategoryAndPosition);
    render();
  }

  function render() {
    const rows = lessons.map((lesson) => {
      const siblings = lessons.filter((l) => l.category === lesson.category);
      const at = siblings.indexOf(lesson);
      return h(
        "tr",
        { dataset: { lesson: lesson.id } },
        h("td", {}, lesson.category),
        h("td", {}, String(lesson.position)),
        h("td", {}, lesson.title, lesson.isPremium ? h("span", { className: "badge" }, "premium") : null),
        h("td", {}, lesson.difficulty),
        h("td", {}, lesson.published ? "published" : "draft"),
        h(
          "td",
          {},
          h(
            "button",
            {
              type: "button",
              disabled: at === 0,
              onclick: (e) => move(lesson, siblings[at - 1], e.currentTarget),
            },
            "↑",
          ),
          h(
            "button",
            {
              type: "button",
              disabled: at === siblings.length - 1,
              onclick: (e) => move(lesson, siblings[at + 1], e.currentTarget),
            },
            "↓",
          ),
          h("button", { type: "button", onclick: (e) => edit(lesson.id, e.currentTarget) }, "Edit"),
          h("button", { type: "button", onclick: (e) => remove(lesson, e.currentTarget) }, "Delete"),
        ),
      );
    });
    byId("lesson-table").replaceChildren(
      table(h, ["Category", "Position", "Title", "Difficulty", "State", ""], rows, "No lessons yet."),
    );
  }

  async function edit(id, control) {
    const result = await withLoading("Loading the lesson", control, () => backline.content.loadLesson(id));
    if (!result.ok) return;
    open(result.value);
  }

  function open(lesson) {
    editing = lesson?.id ?? null;
    clearFieldErrors(form);
    fillLessonForm(form, lesson);
    byId("lesson-form-title").textContent = lesson ? `Edit ${lesson.title}` : "New lesson";
    form.hidden = false;
    form.elements.title.focus();
  }

  /** Swaps the positions of two lessons of a category (equal positions: the moved one goes one past). */
  async function move(lesson, other, control) {
    const result = await withLoading("Moving the lesson", control, async () => {
      const [a, b] = await Promise.all([
        backline.content.loadLesson(lesson.id),
        backline.content.loadLesson(other.id),
      ]);
      const up =
        other.position < lesson.position ||
        (other.position === lesson.position && lessons.indexOf(other) < lessons.indexOf(lesson));
      const aTo = a.position === b.position ? Math.max(0, b.position + (up ? -1 : 1)) : b.position;
      await backline.content.updateLesson(a.id, { ...lessonInput(a), position: aTo });
      await backline.content.updateLesson(b.id, { ...lessonInput(b), position: a.position });
    });
    if (result.ok) await refresh();
  }

  async function remove(lesson, control) {
    if (!window.confirm(`Delete the lesson “${lesson.title}”? Learners lose it at once.`)) return;
    const result = await withLoading("Deleting the lesson", control, () =>
      backline.content.deleteLesson(lesson.id),
    );
    if (result.ok) await refresh();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const input = readLessonForm(form);
    if (!input) return;
    const { id, ...rest } = input;
    const result = await withLoading(
      editing ? "Saving the lesson" : "Creating the lesson",
      byId("lesson-save"),
      () => (editing ? backline.content.updateLesson(editing, rest) : backline.content.createLesson(input)),
    );
    if (!result.ok) {
      showProblemFields(form, result.error);
      return;
    }
    form.hidden = true;
    await refresh();
  });
  byId("lesson-new").addEventListener("click", () => open(null));
  byId("lesson-cancel").addEventListener("click", () => {
    form.hidden = true;
  });

  return refresh;
}
