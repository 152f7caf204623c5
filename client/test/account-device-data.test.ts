/** Deleting the account also removes its copies on the device (patterns and progress kept for offline use). */
import { expect, it } from "vitest";
import { createBackline, type KeyValueStorage, memoryStorage } from "../src/index";

/** A storage that lists its keys. */
function listedStorage(): KeyValueStorage & { keys(): string[] } {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
    keys: () => [...items.keys()],
  };
}

it("drops the deleted account's local patterns and progress, and nothing else", async () => {
  const device = listedStorage();
  const client = createBackline({ mode: "stub", storage: device, stubStorage: memoryStorage() });
  const password = "a sturdy passphrase 42";
  const user = await client.auth.signUp({ email: "gone@example.com", password, displayName: "Ada" });
  await client.dataSync.savePattern({ name: "Mine", tempo: 100, tracks: [] });
  await client.dataSync.saveProgress({ lessonId: "counting-beats", score: 70 });
  const local = (key: string) => `backline:local:${key}:${user.id}`;
  expect(device.keys()).toEqual(expect.arrayContaining([local("patterns"), local("progress")]));

  await client.auth.deleteAccount({ password });
  expect(device.keys().filter((k) => k.includes(user.id))).toEqual([]);
});
