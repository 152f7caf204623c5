// A class in the Teams & classes panel: the teacher picks the lessons, sees the table of
// students × lessons (best score and ✓ when completed; "More" pages through the students) and
// the per-lesson summary (attempted, completed, a histogram of best scores). A student sees the
// class's lessons and only their own row.
import { h, latestLoad, withLoading } from "./ui.js";

const MANAGERS = ["owner", "admin", "teacher"];

/** One cell of the table: "85 ✓", "40", or "–" when not tried. */
function cell(progress) {
  if (!progress) return "–";
  return `${progress.bestScore}${progress.completed ? " ✓" : ""}`;
}

/** Ten bars, one per bucket of best scores (0–9 … 90–100). */
function histogram(buckets) {
  const most = Math.max(1, ...buckets.map((b) => b.count));
  return h(
    "span",
    { className: "histogram", "aria-label": buckets.map((b) => `${b.from}–${b.to}: ${b.count}`).join(", ") },
    buckets.map((b) =>
      h("span", {
        className: "histogram-bar",
        title: `${b.from}–${b.to}: ${b.count}`,
        dataset: { from: String(b.from), count: String(b.count) },
        style: `height:${Math.round((b.count / most) * 100)}%`,
      }),
    ),
  );
}

/** Renders the class part of the team view into `container`; `app` is app.js's shared object. */
export async function renderClass(app, container, team) {
  const { backline } = app;
  const manager = MANAGERS.includes(team.role);
  const lessonList = h("ul", { id: "class-lessons", className: "list" });
  const picker = h("form", { id: "class-lesson-picker", hidden: !manager });
  const table = h("table", { id: "class-progress", className: "class-table" });
  const more = h("button", { type: "button", id: "class-progress-more", hidden: true }, "More");
  const refresh = h("button", { type: "button", id: "class-refresh" }, "Refresh");
  const summary = h("div", { id: "class-summary", hidden: !manager });
  container.replaceChildren(
    h("h4", {}, "Lessons"),
    lessonList,
    picker,
    h("h4", {}, manager ? "Students' progress" : "Your progress"),
    h("p", { className: "actions" }, refresh),
    table,
    more,
    h("h4", { hidden: !manager }, "Per lesson"),
    summary,
  );

  let nextCursor = null;

  async function loadLessons() {
    const loaded = await withLoading("Loading the class's lessons", null, () =>
      backline.teams.lessons(team.id),
    );
    if (!loaded.ok) return [];
    lessonList.replaceChildren(
      ...(loaded.value.length > 0
        ? loaded.value.map((l) =>
            h(
              "li",
              { className: "class-lesson", dataset: { lessonId: l.id } },
              `${l.title}`,
              h("span", { className: "muted" }, ` · ${l.difficulty}${l.isPremium ? " · premium" : ""}`),
            ),
          )
        : [
            h("li", { className: "muted" }, manager ? "No lessons yet: pick some below." : "No lessons yet."),
          ]),
    );
    return loaded.value;
  }

  async function renderPicker(chosen) {
    const curriculum = await withLoading("Loading the curriculum", null, () =>
      backline.content.loadCurriculum(),
    );
    if (!curriculum.ok) return;
    const picked = new Set(chosen.map((l) => l.id));
    const save = h("button", { type: "submit", id: "class-lessons-save" }, "Save the class's lessons");
    picker.replaceChildren(
      h(
        "fieldset",
        {},
        h("legend", {}, "Pick the class's lessons"),
        curriculum.value.map((l) =>
          h(
            "label",
            { className: "class-lesson-choice" },
            h("input", { type: "checkbox", name: "class-lesson", value: l.id, checked: picked.has(l.id) }),
            ` ${l.title}`,
          ),
        ),
      ),
      save,
    );
    picker.onsubmit = async (event) => {
      event.preventDefault();
      const ids = [...picker.querySelectorAll("input[name='class-lesson']:checked")].map((box) => box.value);
      const done = await withLoading("Saving the class's lessons", save, () =>
        backline.teams.setLessons(team.id, ids),
      );
      if (!done.ok) return;
      app.notice(`The class has ${done.value.length} lesson(s).`);
      await loadLessons();
      await loadProgress();
      await loadSummary();
    };
  }

  async function loadProgress(cursor) {
    const loaded = await withLoading("Loading the class's progress", cursor ? more : refresh, () =>
      backline.teams.progress(team.id, { cursor: cursor ?? undefined }),
    );
    if (!loaded.ok) return;
    const page = loaded.value;
    if (!cursor) {
      table.replaceChildren(
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "Student"),
            page.lessons.map((l) => h("th", { dataset: { lessonId: l.id } }, l.title)),
          ),
        ),
        h("tbody", {}),
      );
    }
    table.querySelector("tbody").append(
      ...page.students.map((s) =>
        h(
          "tr",
          { className: "student-row", dataset: { userId: s.userId } },
          h("th", { scope: "row" }, s.displayName),
          page.lessons.map((l) => h("td", { dataset: { lessonId: l.id } }, cell(s.progress[l.id]))),
        ),
      ),
    );
    if (!cursor && page.students.length === 0)
      table.querySelector("tbody").append(h("tr", {}, h("td", { className: "muted" }, "No students yet.")));
    nextCursor = page.nextCursor;
    more.hidden = !nextCursor;
  }

  const summaryLoad = latestLoad();

  async function loadSummary() {
    if (!manager) return;
    const loaded = await summaryLoad("Loading the summary", null, () =>
      backline.teams.progressSummary(team.id),
    );
    if (!loaded.ok) return;
    summary.replaceChildren(
      ...loaded.value.lessons.map((l) =>
        h(
          "p",
          { className: "summary-item", dataset: { lessonId: l.lessonId } },
          h("strong", {}, l.title),
          ` attempted ${l.attempted}/${l.students}, completed ${l.completed} `,
          histogram(l.bestScores),
        ),
      ),
    );
  }

  more.addEventListener("click", () => loadProgress(nextCursor));
  refresh.addEventListener("click", async () => {
    await loadProgress();
    await loadSummary();
  });

  const chosen = await loadLessons();
  if (manager) await renderPicker(chosen);
  await loadProgress();
  await loadSummary();
}
