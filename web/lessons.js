// The lesson panel: the catalogue by category with premium locks, a lesson's details and
// saving progress on it.
import { byId, h, latestLoad, withLoading } from "./ui.js";

const isPremiumUser = (user) => user?.tier === "premium" || user?.role === "admin";

/** Initializes the panel; `app` is the shared app object of app.js. */
export function initLessons(app) {
  const { backline } = app;
  let lessons = [];
  let open;

  function draw() {
    const byCategory = new Map();
    for (const lesson of lessons) {
      if (!byCategory.has(lesson.category)) byCategory.set(lesson.category, []);
      byCategory.get(lesson.category).push(lesson);
    }
    const unlocked = isPremiumUser(app.user);
    byId("lesson-list").replaceChildren(
      ...[...byCategory].map(([category, items]) =>
        h(
          "div",
          { className: "category" },
          h("h3", {}, category.replaceAll("-", " ")),
          h(
            "ul",
            { className: "list" },
            items.map((lesson) => {
              const locked = lesson.isPremium && !unlocked;
              const button = h(
                "button",
                {
                  type: "button",
                  className: `lesson${locked ? " locked" : ""}`,
                  dataset: { lessonId: lesson.id, locked: String(locked) },
                  title: locked ? "Premium lesson: upgrade to unlock it" : undefined,
                },
                `${locked ? "🔒 " : ""}${lesson.title}`,
                h(
                  "span",
                  { className: "muted" },
                  ` · ${lesson.difficulty}${lesson.isPremium ? " · premium" : ""}`,
                ),
              );
              button.addEventListener("click", () => openLesson(lesson, button));
              return h("li", {}, button);
            }),
          ),
        ),
      ),
    );
  }

  async function load() {
    const loaded = await withLoading("Loading lessons", null, () => backline.content.loadCurriculum());
    if (!loaded.ok) return;
    const value = loaded.value;
    lessons = Array.isArray(value) ? value : (value?.lessons ?? []);
    draw();
  }

  // A save made while the lesson's progress is still loading is not overwritten by that load's
  // late answer.
  const progressLoad = latestLoad();

  async function openLesson(summary, button) {
    const detail = byId("lesson-detail");
    const loaded = await withLoading(`Opening “${summary.title}”`, button, () =>
      backline.content.loadLesson(summary.id),
    );
    if (!loaded.ok) {
      detail.hidden = true;
      open = undefined;
      return;
    }
    open = loaded.value;
    detail.hidden = false;
    detail.dataset.lessonId = open.id;
    byId("lesson-title").textContent = open.title;
    byId("lesson-meta").textContent =
      `${open.category} · ${open.difficulty}${open.isPremium ? " · premium" : ""}`;
    byId("lesson-config").textContent = JSON.stringify(open.config ?? {}, null, 2);
    byId("progress-state").textContent = "";
    if (app.user) {
      const progress = await progressLoad("Loading your progress", null, () =>
        backline.dataSync.loadProgress(),
      );
      if (progress.ok) showProgress(progress.value);
    }
  }

  function showProgress(progress) {
    const entry = Array.isArray(progress) ? progress.find((p) => p.lessonId === open?.id) : progress;
    byId("progress-state").textContent = entry
      ? `Best score ${entry.bestScore ?? entry.score} after ${entry.attempts ?? 1} attempt(s)${entry.completed ? ", completed" : ""}.`
      : "No progress yet.";
  }

  byId("progress-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!open) return;
    const attempt = {
      lessonId: open.id,
      score: Number(byId("progress-score").value),
      completed: byId("progress-completed").checked,
    };
    // The save's answer is newer than any load still running; its failure is always shown.
    progressLoad.supersede();
    const saved = await withLoading("Saving progress", byId("save-progress"), () =>
      backline.dataSync.saveProgress(attempt),
    );
    if (saved.ok && open?.id === attempt.lessonId) showProgress(saved.value ?? attempt);
  });

  app.onUser(() => {
    byId("lesson-detail").hidden = true;
    open = undefined;
    void load();
  });
}
