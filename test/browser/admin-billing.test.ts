/**
 * The admin console's second slice on the real API (#16): a failed Stripe event replayed from
 * the ledger until it is processed, a refund with its Idempotency-Key, the audit log filtered to
 * those actions, the user view (sessions, subscription, audit trail, one session signed out),
 * lessons reordered by dragging a row, and the console's sign-in of an admin with an
 * authenticator app.
 *
 * The failed event: the real stack has no fault to inject into the webhook's processing that
 * a replay of the same payload would then get past (a bad payload fails again; the database
 * and the Stripe stand-in are healthy). So the stand-in makes and signs a real event whose
 * delivery fails (it is sent to a closed port), and the ledger gets the row a failed delivery
 * leaves (status failed, the payload kept); the console's Replay then runs the API's own replay
 * path on that payload, and its effect (the subscription set to cancel) shows in the user view.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { neon, neonConfig } from "@neondatabase/serverless";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  api,
  describeBrowser,
  dev,
  expectText,
  idle,
  PASSWORD,
  shownError,
  uniqueEmail,
  useBrowser,
} from "./support";

const browser = useBrowser("admin-billing");
const run = promisify(execFile);

/** Makes an account an admin the way an operator does (`npm run admin:grant`). */
async function grantAdmin(email: string): Promise<void> {
  await run("npm", ["run", "--silent", "admin:grant", "--", email], {
    env: { ...process.env, DATABASE_URL: dev().databaseUrl, NEON_HTTP_ENDPOINT: dev().neonEndpoint },
  });
}

/** A signed-up admin and a token that carries the role. */
async function newAdmin(tag: string): Promise<{ email: string; token: string }> {
  const email = uniqueEmail(tag);
  await api.signUp(email, "Ops");
  await grantAdmin(email);
  return { email, token: await api.signIn(email) };
}

async function openConsole(): Promise<Page> {
  const page = await browser.open(await browser.context(), "http", "/admin/");
  page.on("dialog", (dialog) => void dialog.accept());
  return page;
}

async function signInToConsole(page: Page, email: string): Promise<void> {
  await page.fill("#sign-in-form input[name=email]", email);
  await page.fill("#sign-in-form input[name=password]", PASSWORD);
  await page.click("#sign-in-form button[type=submit]");
  await expectText(page.locator("#auth-state"), /^Signed in as /);
  await idle(page);
}

/** A control of the Stripe stand-in (dev/stripe/README.md). */
async function stripeControl<T>(path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(`${dev().stackUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Paid {
  subscription: Record<string, unknown> & { id: string; customer: string };
  invoice: { id: string };
}

/** A learner who paid for the first plan through the stand-in's checkout (events delivered to the worker). */
async function payingLearner(): Promise<{ email: string; token: string; paid: Paid }> {
  const email = uniqueEmail("console-payer");
  const token = await api.signUp(email, "Payer");
  const plans = await api.request("/api/billing/plans");
  const priceId = (plans.body.plans as { priceId: string }[])[0]?.priceId;
  const checkout = await api.request("/api/billing/checkout", { token, body: { priceId } });
  expect(checkout.status).toBe(201);
  const session = checkout.body.id as string;
  const paid = await stripeControl<Paid>(`/_stripe/checkout/${session}/pay`);
  return { email, token, paid };
}

/** Runs SQL on the stack's database, through the Neon stand-in as db/ scripts do. */
function database() {
  neonConfig.fetchEndpoint = dev().neonEndpoint;
  return neon(dev().databaseUrl);
}

/**
 * A signed `customer.subscription.updated` (cancel at period end) made by the stand-in, whose
 * delivery fails, recorded in the ledger as a failed delivery leaves it. Returns its id.
 */
async function failedCancellationEvent(subscription: Paid["subscription"]): Promise<string> {
  const made = await stripeControl<{ event: { id: string; type: string; created: number } }>(
    "/_stripe/events",
    {
      type: "customer.subscription.updated",
      data: {
        object: { ...subscription, cancel_at_period_end: true },
        previous_attributes: { cancel_at_period_end: false },
      },
      url: "http://127.0.0.1:9/",
      deliver: { attempts: 1 },
    },
  );
  const event = made.event;
  await database().query(
    `insert into stripe_events (id, type, created_at, status, attempts, error, payload)
     values ($1, $2, to_timestamp($3), 'failed', 1, 'handler error', $4::jsonb)`,
    [event.id, event.type, event.created, JSON.stringify(event)],
  );
  return event.id;
}

/** The app's code `steps` 30-second steps from now. */
function totpCode(secret: string, steps = 0): string {
  return generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(Date.now() / 30_000) + steps), 6);
}

describeBrowser("admin console: billing, users, reorder, two-step sign-in (http mode)", () => {
  it("replays a failed webhook to processed, refunds with an Idempotency-Key, and filters the audit log to both", async () => {
    const admin = await newAdmin("console-billing");
    const learner = await payingLearner();
    const eventId = await failedCancellationEvent(learner.paid.subscription);

    const page = await openConsole();
    await signInToConsole(page, admin.email);
    await page.click('.tabs button[data-view="billing"]');
    await idle(page);
    await page.selectOption("#webhook-filter select[name=status]", "failed");
    await page.click("#webhook-filter button");
    const eventRow = page.locator(`#webhook-table tr[data-event="${eventId}"]`);
    await expectText(eventRow, /failed.*handler error/);
    await browser.shot(page, "webhook-failed");
    await eventRow.locator("button", { hasText: "Replay" }).click();
    await eventRow.waitFor({ state: "detached" }); // the failed list no longer holds it
    await page.selectOption("#webhook-filter select[name=status]", "processed");
    await page.click("#webhook-filter button");
    await expectText(page.locator(`#webhook-table tr[data-event="${eventId}"]`), /processed/);
    expect(await shownError(page)).toBe("");
    await browser.shot(page, "webhook-replayed");

    // The subscriber's invoices from the subscriptions list; Refund… fills the form.
    await page.selectOption("#subscription-filter select[name=status]", "active");
    await page.click("#subscription-filter button");
    const subRow = page.locator("#subscription-table tr", { hasText: learner.email });
    await expectText(subRow, /active/);
    await subRow.locator("button", { hasText: "Invoices" }).click();
    const invoiceRow = page.locator(`#subscriber-invoices tr[data-invoice="${learner.paid.invoice.id}"]`);
    await expectText(invoiceRow, /paid/);
    await invoiceRow.locator("button", { hasText: "Refund" }).click();
    expect(await page.inputValue("#refund-form input[name=invoiceId]")).toBe(learner.paid.invoice.id);
    await page.fill("#refund-form input[name=amount]", "100");
    await page.fill("#refund-form input[name=note]", "console test");
    const key = (await page.textContent("#refund-key")) ?? "";
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    await page.click("#refund-form button[type=submit]");
    const refundRow = page.locator("#refund-list tr[data-refund]").first();
    await expectText(refundRow, /succeeded/);
    expect(await refundRow.textContent()).toContain(key);
    expect(await refundRow.textContent()).toContain(learner.paid.invoice.id);
    expect(await page.textContent("#refund-key")).not.toBe(key); // the next refund gets a new key
    await browser.shot(page, "refund-succeeded");

    // The tab's first, unfiltered load is held (the request is real, only late) until the
    // filter's answer is on screen: its late answer must not replace the filtered list.
    const adminId = (await api.request("/api/me", { token: admin.token })).body.id as string;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const unfiltered = (url: URL) =>
      url.pathname === "/api/admin/audit-logs" && !url.searchParams.has("action");
    // On the context, before its handler that adds the client IP (fallback passes the request on).
    await page.context().route(
      unfiltered,
      async (route) => {
        await held;
        await route.fallback();
      },
      { times: 1 },
    );
    const firstLoad = page.waitForRequest((request) => unfiltered(new URL(request.url())));
    await page.click('.tabs button[data-view="audit"]');
    await firstLoad;
    await page.fill("#audit-filter input[name=action]", "billing.refund_created");
    await page.fill("#audit-filter input[name=actor]", adminId);
    await page.click("#audit-filter button");
    await expectText(page.locator("#audit-table"), new RegExp(`invoice ${learner.paid.invoice.id}`));
    const lateAnswer = page.waitForResponse((response) => unfiltered(new URL(response.url())));
    release();
    await lateAnswer;
    await idle(page);
    await expectText(page.locator("#audit-table"), new RegExp(`invoice ${learner.paid.invoice.id}`));
    expect(await page.locator("#audit-table tr[data-action]").count()).toBe(1);
    await page.fill("#audit-filter input[name=action]", "billing.webhook_replayed");
    await page.click("#audit-filter button");
    await idle(page);
    await expectText(page.locator("#audit-table tr[data-action]"), new RegExp(`stripe_event ${eventId}`));
    expect(await page.locator("#audit-table tr[data-action]").count()).toBe(1);
    await browser.shot(page, "audit-filtered");

    // The user view: the replayed event's effect, the sessions, the audit trail.
    await page.click('.tabs button[data-view="users"]');
    await idle(page);
    await page.fill("#user-search input[name=q]", learner.email);
    await page.click("#user-search button");
    await page.locator("#user-table tr[data-user]", { hasText: learner.email }).locator("button").click();
    await expectText(page.locator("#user-subscription"), /^active · .* · cancels at period end/);
    await expectText(page.locator("#user-audit"), /billing\.checkout_completed/);
    const sessions = page.locator("#user-sessions tr[data-session]");
    expect(await sessions.count()).toBe(1);
    await page.click("#user-invoices-show");
    await expectText(page.locator(`#user-invoices tr[data-invoice="${learner.paid.invoice.id}"]`), /paid/);
    await browser.shot(page, "user-view");
    await sessions.first().locator("button", { hasText: "Sign out" }).click();
    await expectText(page.locator("#user-detail .notice"), /^Session ended\.$/);
    expect(await page.locator("#user-sessions tr[data-session]").count()).toBe(0);
    expect((await api.request("/api/me", { token: learner.token })).status).toBe(401);
    await browser.shot(page, "user-session-ended");
  });

  it("reorders a category by dragging a row (one request), and keeps the ↑/↓ buttons", async () => {
    const admin = await newAdmin("console-reorder");
    const category = `drag-${Date.now().toString(36)}`;
    const ids = ["a", "b", "c"].map((x) => `${category}-${x}`);
    for (const [i, id] of ids.entries()) {
      const res = await api.request("/api/lessons", {
        token: admin.token,
        body: { id, title: `Drag ${id}`, category, difficulty: "beginner", position: i + 1 },
      });
      expect(res.status).toBe(201);
    }
    const order = async () =>
      (
        (await api.request("/api/lessons")).body.lessons as {
          id: string;
          category: string;
          position: number;
        }[]
      )
        .filter((l) => l.category === category)
        .sort((x, y) => x.position - y.position)
        .map((l) => l.id);

    const page = await openConsole();
    const reorders: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/lessons/") && r.method() !== "GET")
        reorders.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    await signInToConsole(page, admin.email);
    const row = (id: string) => page.locator(`#lesson-table tr[data-lesson="${id}"]`);
    await row(ids[2] as string).waitFor();
    await row(ids[2] as string).dragTo(row(ids[0] as string));
    await expectText(
      row(ids[2] as string)
        .locator("td")
        .nth(1),
      /^1$/,
    );
    expect(await order()).toEqual([ids[2], ids[0], ids[1]]);
    expect(reorders).toEqual(["POST /api/lessons/reorder"]);
    await browser.shot(page, "lessons-dragged");

    await row(ids[1] as string)
      .locator("button", { hasText: "↑" })
      .click();
    await expectText(
      row(ids[1] as string)
        .locator("td")
        .nth(1),
      /^2$/,
    );
    expect(await order()).toEqual([ids[2], ids[1], ids[0]]);
    expect(reorders).toEqual(["POST /api/lessons/reorder", "POST /api/lessons/reorder"]);
    expect(await shownError(page)).toBe("");
  });

  it("signs an admin with an authenticator app in with the second step", async () => {
    const email = uniqueEmail("console-totp");
    const token = await api.signUp(email, "Two-step");
    await grantAdmin(email);
    const started = await api.request("/api/auth/mfa/totp", { token, body: { password: PASSWORD } });
    expect(started.status).toBe(200);
    const secret = started.body.secret as string;
    const verified = await api.request("/api/auth/mfa/totp/verify", {
      token,
      body: { code: totpCode(secret) },
    });
    expect(verified.status).toBe(200);

    const page = await openConsole();
    await page.fill("#sign-in-form input[name=email]", email);
    await page.fill("#sign-in-form input[name=password]", PASSWORD);
    await page.click("#sign-in-form button[type=submit]");
    await page.locator("#second-step").waitFor({ state: "visible" });
    await idle(page);
    expect(await shownError(page)).toBe("");
    expect(await page.locator("#sign-in-form").isHidden()).toBe(true);
    await browser.shot(page, "second-step");
    await page.fill("#second-step input[name=code]", "000000");
    await page.click("#second-step button[type=submit]");
    await idle(page);
    expect(await shownError(page)).not.toBe("");
    await page.fill("#second-step input[name=code]", totpCode(secret, 1));
    await page.click("#second-step button[type=submit]");
    await expectText(page.locator("#auth-state"), /^Signed in as .*\(admin\)$/);
    await page.locator("#lesson-table tr[data-lesson]").first().waitFor();
    await browser.shot(page, "signed-in-two-step");
  });
});
