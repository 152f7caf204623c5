/**
 * Teams and classes through the demo, in both modes (issue #17): a teacher makes a class, picks
 * two lessons and invites students by email; each student follows the emailed link (the stub
 * mailbox, or the dev mail stand-in's page on the real API), signs up with the invited address on
 * the join page, lands in the class and sees only their own row; a student's score reaches the
 * teacher's table and summary. And a team: a member adds a team pattern the owner then sees.
 * Everything happens in one browser, people signing out and in, as the stub is one browser's.
 *
 * The http runs need the team routes (functions/teams, functions/invitations, functions/classes,
 * team patterns): they fail until those branches are merged; the stub runs pass on their own.
 */
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  describeBrowser,
  eventually,
  expectText,
  idle,
  joinBySignUp,
  MODES,
  openInvitation,
  signIn,
  signOut,
  signUp,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("teams");

/** Creates a team or class in the panel; resolves its id once it is open. */
async function createTeam(page: Page, name: string, kind: "team" | "class"): Promise<string> {
  await page.fill("#team-name", name);
  await page.selectOption("#team-kind", kind);
  await page.click("#team-create");
  await expectText(page.locator("#team-title"), new RegExp(`^${name} · ${kind}$`));
  await idle(page);
  return (await page.getAttribute("#team-detail", "data-team-id")) ?? "";
}

async function invite(page: Page, email: string, role: string): Promise<void> {
  await page.fill("#invite-email", email);
  await page.selectOption("#invite-role", role);
  await page.click("#invite-send");
  await expectText(page.locator("#notice"), new RegExp(`^Invitation sent to ${email}`));
  await idle(page);
  await page.waitForSelector(`li.invitation-item[data-email="${email}"]`);
}

/** Opens a team from the list of the signed-in user's teams. */
async function openTeam(page: Page, teamId: string): Promise<void> {
  await page.click(`li.team-item[data-team-id="${teamId}"] button.open-team`);
  await page.waitForSelector(`#team-detail[data-team-id="${teamId}"]`);
  await idle(page);
}

/** The class table's rows: student id → the text of the lesson's cell. */
async function tableRows(page: Page, lessonId: string): Promise<Record<string, string>> {
  await idle(page);
  return page.$$eval(
    "#class-progress tr.student-row",
    (rows, lesson) =>
      Object.fromEntries(
        rows.map((row) => [
          (row as HTMLElement).dataset.userId ?? "",
          row.querySelector(`td[data-lesson-id="${lesson}"]`)?.textContent ?? "",
        ]),
      ),
    lessonId,
  );
}

/** The signed-in user's id, as the demo's app object holds it. */
const userIdOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { app: { user: { id: string } | null } }).app.user?.id ?? "");

describeBrowser.each(MODES)("Teams and classes in the demo (%s mode)", (mode) => {
  it("a teacher's class: students join by the emailed link, see their own row; scores reach the teacher", {
    timeout: 240_000,
  }, async () => {
    const context = await browser.context();
    const page = await browser.open(context, mode);
    const teacher = uniqueEmail(`teacher-${mode}`);
    const amy = uniqueEmail(`amy-${mode}`);
    const bob = uniqueEmail(`bob-${mode}`);
    await signUp(page, teacher, "Tess");

    const classId = await createTeam(page, "Beats 101", "class");
    await page.check('input[name="class-lesson"][value="counting-beats"]');
    await page.check('input[name="class-lesson"][value="quarter-notes"]');
    await page.click("#class-lessons-save");
    await expectText(page.locator("#notice"), /^The class has 2 lesson\(s\)\./);
    await idle(page);
    expect(
      await page.$$eval("#class-lessons li.class-lesson", (items) =>
        items.map((li) => (li as HTMLElement).dataset.lessonId),
      ),
    ).toEqual(["counting-beats", "quarter-notes"]);
    await invite(page, amy, "student");
    await invite(page, bob, "student");
    await browser.shot(page, `${mode}-class-invited`);
    await signOut(page);

    // Amy follows her link, signs up with the invited address and lands in the class.
    const amyTab = await openInvitation(context, mode, amy);
    await expectText(
      amyTab.locator("#join-preview"),
      /^Tess invited .* to join the class “Beats 101” as student/,
    );
    await browser.shot(amyTab, `${mode}-join-page`);
    await joinBySignUp(amyTab, amy, "Amy", classId);
    await expectText(amyTab.locator("#team-title"), /^Beats 101 · class$/);
    const amyId = await userIdOf(amyTab);
    expect(Object.keys(await tableRows(amyTab, "counting-beats"))).toEqual([amyId]);
    expect(await amyTab.isVisible("#class-lesson-picker")).toBe(false);

    // She completes a lesson in the Lessons panel; her row shows the score.
    await amyTab.click('button.lesson[data-lesson-id="counting-beats"]');
    await amyTab.fill("#progress-score", "85");
    await amyTab.check("#progress-completed");
    await amyTab.click("#save-progress");
    await expectText(amyTab.locator("#progress-state"), /^Best score 85 /);
    await amyTab.click("#class-refresh");
    expect(await tableRows(amyTab, "counting-beats")).toEqual({ [amyId]: "85 ✓" });
    await signOut(amyTab);

    // Bob joins too and sees only his own row, not Amy's.
    const bobTab = await openInvitation(context, mode, bob);
    await joinBySignUp(bobTab, bob, "Bob", classId);
    const bobId = await userIdOf(bobTab);
    await eventually("Bob's own row", async () => (await tableRows(bobTab, "counting-beats"))[bobId] === "–");
    expect(await tableRows(bobTab, "counting-beats")).toEqual({ [bobId]: "–" });
    await browser.shot(bobTab, `${mode}-student-own-row`);
    await signOut(bobTab);

    // The teacher sees both students, Amy's score and the summary.
    await signIn(bobTab, teacher);
    await openTeam(bobTab, classId);
    await eventually(
      "both students in the table",
      async () => Object.keys(await tableRows(bobTab, "counting-beats")).length === 2,
    );
    expect(await tableRows(bobTab, "counting-beats")).toEqual({ [amyId]: "85 ✓", [bobId]: "–" });
    await expectText(
      bobTab.locator('.summary-item[data-lesson-id="counting-beats"]'),
      /attempted 1\/2, completed 1/,
    );
    await expectText(
      bobTab.locator('.summary-item[data-lesson-id="quarter-notes"]'),
      /attempted 0\/2, completed 0/,
    );
    expect(
      await bobTab.getAttribute(
        '.summary-item[data-lesson-id="counting-beats"] .histogram-bar[data-from="80"]',
        "data-count",
      ),
    ).toBe("1");
    expect(await bobTab.locator("#team-members li.member-item").count()).toBe(3);
    await browser.shot(bobTab, `${mode}-teacher-table`);
  });

  it("a team: a member adds a team pattern the owner sees", { timeout: 180_000 }, async () => {
    const context = await browser.context();
    const page = await browser.open(context, mode);
    const owner = uniqueEmail(`owner-${mode}`);
    const max = uniqueEmail(`max-${mode}`);
    await signUp(page, owner, "Olga");
    const teamId = await createTeam(page, "Crew", "team");
    await invite(page, max, "member");
    await signOut(page);

    const tab = await openInvitation(context, mode, max);
    await expectText(tab.locator("#join-preview"), /to join the team “Crew” as member/);
    await joinBySignUp(tab, max, "Max", teamId);
    await tab.fill("#team-pattern-name", "Crew groove");
    await tab.click("#team-pattern-create");
    await tab.waitForSelector('li.team-pattern-item[data-name="Crew groove"][data-state="synced"]');
    // A member does not manage: no invitations, no role controls.
    expect(await tab.isVisible("#invite-form")).toBe(false);
    expect(await tab.locator("#team-members select").count()).toBe(0);
    await signOut(tab);

    await signIn(tab, owner);
    await openTeam(tab, teamId);
    await tab.waitForSelector('li.team-pattern-item[data-name="Crew groove"]');
    expect(await tab.locator("#team-members li.member-item").count()).toBe(2);
    await browser.shot(tab, `${mode}-team-pattern`);
  });
});
