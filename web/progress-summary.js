// "Your progress": the learner's summary (lessons completed per category, streaks in this
// browser's time zone, recent activity) from backline.progress.summary(), and the demo's usage
// events: a page view on load, lesson_started when a lesson is opened, lesson_completed when a
// completed attempt is saved. It listens to the page rather than changing the other panels.
import { byId, h, latestLoad } from "./ui.js";

const app = window.app;
const { backline } = app;

/** Tracks an event; a malformed one is a bug in this page, reported without breaking it. */
function track(name, props) {
  try {
    backline.track(name, props);
  } catch (error) {
    console.error("track", error);
  }
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function render(summary) {
  const box = byId("progress-summary");
  if (!summary) {
    box.replaceChildren(h("p", { className: "muted" }, "Sign in to see your progress."));
    return;
  }
  box.replaceChildren(
    h(
      "p",
      { dataset: { completion: String(summary.completionPercent) } },
      `${summary.completedLessons} of ${summary.totalLessons} lessons completed (${summary.completionPercent}%). `,
      h(
        "strong",
        { dataset: { currentStreak: String(summary.currentStreak) } },
        `Streak: ${plural(summary.currentStreak, "day", "days")}`,
      ),
      ` · longest ${plural(summary.longestStreak, "day", "days")}`,
    ),
    h(
      "ul",
      { className: "list" },
      summary.categories.map((c) =>
        h(
          "li",
          {},
          `${c.category.replaceAll("-", " ")}: ${c.completed}/${c.total} (${c.completionPercent}%)`,
        ),
      ),
    ),
    summary.recent.length > 0
      ? h(
          "p",
          { className: "muted" },
          "Recently: ",
          summary.recent
            .slice(0, 5)
            .map((r) => `${r.title ?? r.lessonId}${r.completed ? " ✓" : ""}`)
            .join(", "),
        )
      : h("p", { className: "muted" }, "No lessons tried yet."),
  );
}

const summaryLoad = latestLoad();

async function refresh() {
  if (!app.user) return render(null);
  const loaded = await summaryLoad("Loading your progress summary", null, () => backline.progress.summary());
  if (loaded.ok) render(loaded.value);
}

byId("lesson-list").addEventListener("click", (event) => {
  const button = event.target.closest?.("[data-lesson-id]");
  if (button && button.dataset.locked !== "true")
    track("lesson_started", { lessonId: button.dataset.lessonId });
});
byId("progress-form").addEventListener("submit", () => {
  const lessonId = byId("lesson-detail").dataset.lessonId;
  if (lessonId && byId("progress-completed").checked) track("lesson_completed", { lessonId });
});
// The lesson panel writes the saved progress here once the save is done: the summary follows.
new MutationObserver(() => void refresh()).observe(byId("progress-state"), { childList: true });
app.onUser(() => void refresh());

track("page_view", { path: location.pathname });
void refresh();
