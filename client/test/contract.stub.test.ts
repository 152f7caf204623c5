/** The SDK contract in stub mode: no backend, every client's data in memory. */

import { defineContract } from "../../test/contract/contract";
import type { Backline, KeyValueStorage } from "../src/index";
import { createBackline, memoryStorage } from "../src/index";

/** The stub's "server": one store shared by every client of this file. */
const world = memoryStorage();
const browsers = new WeakMap<Backline, KeyValueStorage>();

defineContract({
  mode: "stub",
  client(sameBrowserAs) {
    const storage = (sameBrowserAs && browsers.get(sameBrowserAs)) ?? memoryStorage();
    const client = createBackline({ mode: "stub", storage, stubStorage: world });
    browsers.set(client, storage);
    return client;
  },
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
  emails: (address) => createBackline({ mode: "stub", stubStorage: world }).readStubMailbox(address),
  async pay() {
    // Stub checkout completes at once.
  },
});
