/** The SDK contract against the real worker (http mode). */
import { sql } from "drizzle-orm";
import type { Backline } from "../client/src/index";
import { grantAdmin } from "../db/queries/admin";
import { createDb } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { defineContract } from "./contract/contract";
import { type Browser, httpClient, newBrowser } from "./contract/http-client";
import { testEnv } from "./support/harness";
import { mailFor } from "./support/mailbox";
import { deliverPending, pay } from "./support/stripe-emulator";

const browsers = new WeakMap<Backline, Browser>();
const db = () => createDb(loadConfig(testEnv));

defineContract({
  mode: "http",
  client(sameBrowserAs) {
    const browser = (sameBrowserAs && browsers.get(sameBrowserAs)) ?? newBrowser();
    const client = httpClient(browser);
    browsers.set(client, browser);
    return client;
  },
  async promote(email, change) {
    if (change.role === "admin" && !(await grantAdmin(db(), email))) throw new Error(`no user ${email}`);
    if (change.tier)
      await db().execute(sql`update users set tier = ${change.tier} where email = ${email.toLowerCase()}`);
  },
  emails: (address) => mailFor(address),
  async pay(checkoutSessionId) {
    const paid = await pay(checkoutSessionId);
    await deliverPending(testEnv, paid.session.customer);
  },
});
