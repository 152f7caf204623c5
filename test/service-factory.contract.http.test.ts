/** The serviceFactory contract against the real worker (real mode). */
import { sql } from "drizzle-orm";
import { memoryStorage } from "../client/src/index";
import { ServiceFactory } from "../client/src/service-factory/index";
import { defineFactoryContract } from "../client/test/service-factory.contract";
import { grantAdmin } from "../db/queries/admin";
import { createDb } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { BASE_URL, type Browser, newBrowser } from "./contract/http-client";
import { testEnv } from "./support/harness";
import { deliverPending, pay } from "./support/stripe-emulator";

/** Each factory's browser: cookie jar and fetch (the SDK's device store), and its localStorage. */
const browsers = new WeakMap<ServiceFactory, Browser & { localStorage: ReturnType<typeof memoryStorage> }>();
const db = () => createDb(loadConfig(testEnv));

defineFactoryContract({
  mode: "real",
  factory(sameBrowserAs) {
    const browser = (sameBrowserAs && browsers.get(sameBrowserAs)) ?? {
      ...newBrowser(),
      localStorage: memoryStorage(),
    };
    const factory = new ServiceFactory({
      search: "?backend=real",
      baseUrl: BASE_URL,
      fetch: browser.fetch,
      storage: browser.storage,
    });
    browsers.set(factory, browser);
    return factory;
  },
  // Real mode writes nothing to localStorage (its device store is `storage`); an empty one stands in.
  localStorage: (factory) => browsers.get(factory)?.localStorage ?? memoryStorage(),
  async promote(email, change) {
    if (change.role === "admin" && !(await grantAdmin(db(), email))) throw new Error(`no user ${email}`);
    if (change.tier)
      await db().execute(sql`update users set tier = ${change.tier} where email = ${email.toLowerCase()}`);
  },
  async completeCheckout(session) {
    const paid = await pay(session.id);
    await deliverPending(testEnv, paid.session.customer);
  },
});
