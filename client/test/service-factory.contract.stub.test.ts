/** The serviceFactory contract in stub mode: each browser's localStorage in memory. */
import { type KeyValueStorage, memoryStorage } from "../src/index";
import { ServiceFactory } from "../src/service-factory/index";
import { defineFactoryContract } from "./service-factory.contract";

/** The stub keeps its "server" in the browser: two browsers share it here, as two tabs of one would. */
const world = memoryStorage();
const browsers = new WeakMap<ServiceFactory, KeyValueStorage>();

defineFactoryContract({
  mode: "stub",
  factory(sameBrowserAs) {
    const storage = (sameBrowserAs && browsers.get(sameBrowserAs)) ?? memoryStorage();
    const factory = new ServiceFactory({ storage, stubStorage: world, search: "" });
    browsers.set(factory, storage);
    return factory;
  },
  localStorage: (factory) => browsers.get(factory) as KeyValueStorage,
  async promote(email, change) {
    const key = "backline:stub:db";
    const db = JSON.parse((await world.getItem(key)) ?? "{}") as {
      users: Record<string, { email: string; role: string; tier: string }>;
    };
    const user = Object.values(db.users).find((u) => u.email === email.toLowerCase());
    if (!user) throw new Error(`no stub user ${email}`);
    Object.assign(user, change);
    await world.setItem(key, JSON.stringify(db));
  },
  async completeCheckout() {
    // The stub's checkout completes at once.
  },
});
