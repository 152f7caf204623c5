/**
 * The admin console (web/admin/) on the real API: an admin publishes a lesson that a learner
 * sees in the demo at once, the dashboard draws non-empty charts after some activity, and a
 * non-admin gets the refusal. As deployed, the console and the API reference also open on the
 * API's own origin, where the API worker forwards them to its assets worker (wrangler.assets.toml).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  api,
  describeBrowser,
  dev,
  eventually,
  expectText,
  idle,
  PASSWORD,
  shownError,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("admin-console");
const run = promisify(execFile);

/** Makes an account an admin the way an operator does: `npm run admin:grant -- <email>` on the stack's database. */
async function grantAdmin(email: string): Promise<void> {
  await run("npm", ["run", "--silent", "admin:grant", "--", email], {
    env: { ...process.env, DATABASE_URL: dev().databaseUrl, NEON_HTTP_ENDPOINT: dev().neonEndpoint },
  });
}

/** Signs in through the console's own form. */
async function signInToConsole(page: Page, email: string): Promise<void> {
  await page.fill("#sign-in-form input[name=email]", email);
  await page.fill("#sign-in-form input[name=password]", PASSWORD);
  await page.click("#sign-in-form button");
  await expectText(page.locator("#auth-state"), /^Signed in as /);
  await idle(page);
}

/** Runs the worker's cron now (wrangler dev --test-scheduled), which rolls up usage events. */
async function runCron(): Promise<void> {
  const res = await fetch(`${dev().apiDirectUrl}/__scheduled?cron=${encodeURIComponent("*/5 * * * *")}`);
  expect(res.status).toBe(200);
}

describeBrowser("admin console (http mode)", () => {
  it("publishes a lesson a learner then sees in the demo, and deletes it", async () => {
    const adminEmail = uniqueEmail("console-admin");
    await api.signUp(adminEmail, "Ops");
    await grantAdmin(adminEmail);

    const page = await browser.open(await browser.context(), "http", "/admin/");
    page.on("dialog", (dialog) => void dialog.accept());
    await signInToConsole(page, adminEmail);
    await page.locator("#lesson-table tr[data-lesson]").first().waitFor();

    const id = `console-${Date.now().toString(36)}`;
    const title = `Ghost notes ${id}`;
    await page.click("#lesson-new");
    await page.fill("#lesson-form input[name=id]", "Not A Slug");
    await page.fill("#lesson-form input[name=title]", title);
    await page.fill("#lesson-form input[name=category]", "rhythm-basics");
    await page.fill("#lesson-form input[name=position]", "99");
    await page.check("#lesson-form input[name=published]");
    await page.fill("#lesson-form textarea[name=config]", '{"bpm": ');
    await page.click("#lesson-save");
    await expectText(page.locator('.field-error[data-field="config"]'), /is not valid JSON/);

    // The API's problem names the field at fault; the console shows it next to that field.
    await page.fill("#lesson-form textarea[name=config]", '{"bpm": 92, "pattern": "x.x."}');
    await page.click("#lesson-save");
    await expectText(page.locator('.field-error[data-field="id"]'), /slug/);
    expect(await page.textContent('.field-error[data-field="config"]')).toBe("");
    await browser.shot(page, "lesson-form-errors");

    await page.fill("#lesson-form input[name=id]", id);
    await page.click("#lesson-save");
    const row = page.locator(`#lesson-table tr[data-lesson="${id}"]`);
    await expectText(row, /published/);
    expect(await shownError(page)).toBe("");
    await browser.shot(page, "lesson-published");

    const learner = await browser.open(await browser.context(), "http");
    await learner.locator(`#lesson-list button[data-lesson-id="${id}"]`).waitFor();
    await expectText(learner.locator(`#lesson-list button[data-lesson-id="${id}"]`), new RegExp(title));
    await browser.shot(learner, "learner-sees-lesson");

    await row.locator("button", { hasText: "Delete" }).click();
    await row.waitFor({ state: "detached" });
    expect((await api.request(`/api/lessons/${id}`)).status).toBe(404);
  });

  it("draws the dashboard's charts from the rolled-up activity", async () => {
    const adminEmail = uniqueEmail("console-dash");
    await api.signUp(adminEmail, "Dash");
    await grantAdmin(adminEmail);
    const learnerEmail = uniqueEmail("console-learner");
    const learnerToken = await api.signUp(learnerEmail);
    const track = await api.request("/api/events", {
      token: learnerToken,
      body: { events: [{ name: "page_view", ts: new Date().toISOString() }] },
    });
    expect(track.body).toMatchObject({ results: [{ status: "accepted" }] });
    await runCron();

    const today = new Date().toISOString().slice(0, 10);
    const adminNow = await api.signIn(adminEmail); // a token that carries the admin role
    await eventually("the cron's rollup of today's sign-ups", async () => {
      const res = await api.request(`/api/admin/metrics/signups?from=${today}&to=${today}`, {
        token: adminNow,
      });
      return (res.body.data as { signUps: number }[] | undefined)?.[0]?.signUps ?? 0;
    });

    const page = await browser.open(await browser.context(), "http", "/admin/");
    await signInToConsole(page, adminEmail);
    await page.click('.tabs button[data-view="dashboard"]');
    const bars = page.locator('[data-metric="signups"] svg rect.bar');
    await bars.first().waitFor({ state: "attached" });
    // One bar per day of the default range (the last 30 days), today's above zero.
    const heights = await bars.evaluateAll((rects) => rects.map((r) => Number(r.getAttribute("height"))));
    expect(heights).toHaveLength(30);
    expect(heights.at(-1)).toBeGreaterThan(0);
    await page.locator('[data-metric="active-users"] svg polyline').first().waitFor({ state: "attached" });
    await page.waitForFunction(() => document.querySelectorAll(".chart[aria-busy]").length === 0);
    expect(await page.locator(".chart .error").count()).toBe(0);
    await browser.shot(page, "dashboard");

    page.on("dialog", (dialog) => void dialog.accept());
    await page.click('.tabs button[data-view="users"]');
    await page.fill("#user-search input[name=q]", learnerEmail);
    await page.click("#user-search button");
    await page.locator("#user-table tr[data-user]", { hasText: learnerEmail }).locator("button").click();
    await expectText(page.locator("#user-detail h3"), new RegExp(learnerEmail));
    await page.locator("#user-detail button", { hasText: "Sign out everywhere" }).click();
    await expectText(page.locator("#user-detail .notice"), /^1 session\(s\) ended\.$/);
    expect((await api.request("/api/me", { token: learnerToken })).status).toBe(401);
    await browser.shot(page, "user-signed-out");
  });

  it("refuses a non-admin", async () => {
    const email = uniqueEmail("console-learner");
    await api.signUp(email);
    const page = await browser.open(await browser.context(), "http", "/admin/");
    await signInToConsole(page, email);
    await page.locator("#refusal").waitFor();
    expect(await page.locator("#console").isHidden()).toBe(true);
    await browser.shot(page, "refusal");
  });

  it("opens on the API's own origin, as deployed: the console and the API reference from the assets worker", async () => {
    const adminEmail = uniqueEmail("console-origin");
    await api.signUp(adminEmail, "Ops");
    await grantAdmin(adminEmail);
    const context = await browser.context();
    const page = await context.newPage();
    // The console's /config.js here is the deployed one (dev/bundle/prebuild.ts): the real API, same origin.
    await page.goto(`${dev().apiUrl}/admin/`);
    await signInToConsole(page, adminEmail);
    await page.locator("#lesson-table tr[data-lesson]").first().waitFor();
    await browser.shot(page, "console-on-api-origin");

    const docs = await context.newPage();
    const reference = await docs.goto(`${dev().apiUrl}/docs`);
    expect(reference?.headers()["x-request-id"]).toBeTruthy(); // the API's answer, its headers on it
    // Scalar renders the document it fetched from /openapi.json: the API's title and the health check's summary.
    await docs.getByText("Backline API").first().waitFor();
    await docs
      .getByText(/^Reports whether Postgres and Redis answer/)
      .first()
      .waitFor();
    await browser.shot(docs, "api-reference");
  });
});
