// Lessons CMS: the catalogue by category and position (drafts included), create, edit,
// reorder by dragging a row within its category or with the ↑/↓ buttons (the keyboard's way),
// delete with confirmation. Either reorder is one request (POST /api/lessons/reorder) that
// rewrites the whole category's order. What is published shows in the demo at once: the demo
// reads the same GET /api/lessons.
import { byId, h, latestLoad, withLoading } from "../ui.js";
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

const byCategoryAndPosition = (a, b) =>
  a.category.localeCompare(b.category) || a.position - b.position || a.id.localeCompare(b.id);

export function initLessons(backline) {
  const form = byId("lesson-form");
  let lessons = [];
  /** The lesson being edited (its id), or null for a new one. */
  let editing = null;
  /** The lesson being dragged (its id), or null. */
  let dragged = null;

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
        {
          dataset: { lesson: lesson.id, category: lesson.category },
          draggable: true,
          ondragstart: (e) => {
            dragged = lesson.id;
            e.dataTransfer.effectAllowed = "move";
            e.dataTransfer.setData("text/plain", lesson.id);
          },
          ondragend: () => {
            dragged = null;
          },
          // Only a row of the same category accepts the drop.
          ondragover: (e) => {
            if (dragged && lessons.find((l) => l.id === dragged)?.category === lesson.category) {
              e.preventDefault();
              e.dataTransfer.dropEffect = "move";
            }
          },
          ondrop: (e) => {
            e.preventDefault();
            const from = dragged;
            dragged = null;
            if (from && from !== lesson.id) void dropOn(from, lesson, e.currentTarget);
          },
        },
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

  // The lesson last asked for is the one in the editor, whichever answer comes last.
  const lessonLoad = latestLoad();

  async function edit(id, control) {
    const result = await lessonLoad("Loading the lesson", control, () => backline.content.loadLesson(id));
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

  /** The category's lesson ids in the order shown. */
  const orderOf = (category) => lessons.filter((l) => l.category === category).map((l) => l.id);

  /** Saves a category's new order in one request, then shows the catalogue again. */
  async function saveOrder(category, ids, control) {
    const result = await withLoading("Moving the lesson", control, () =>
      backline.admin.lessons.reorder(category, ids),
    );
    if (result.ok) await refresh();
  }

  /** Swaps a lesson with its neighbour (the ↑/↓ buttons). */
  function move(lesson, other, control) {
    const ids = orderOf(lesson.category);
    const [a, b] = [ids.indexOf(lesson.id), ids.indexOf(other.id)];
    [ids[a], ids[b]] = [ids[b], ids[a]];
    return saveOrder(lesson.category, ids, control);
  }

  /** A dragged lesson dropped on a row: it takes that row's place (the others shift). */
  function dropOn(fromId, target, row) {
    const ids = orderOf(target.category).filter((id) => id !== fromId);
    const at = orderOf(target.category).indexOf(target.id);
    ids.splice(at, 0, fromId);
    return saveOrder(target.category, ids, row);
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
  // A lesson still loading must not replace the new lesson's form, nor reopen a cancelled one.
  byId("lesson-new").addEventListener("click", () => {
    lessonLoad.supersede();
    open(null);
  });
  byId("lesson-cancel").addEventListener("click", () => {
    lessonLoad.supersede();
    form.hidden = true;
  });

  return refresh;
}
