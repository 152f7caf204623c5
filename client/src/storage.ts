/** Key/value storage for local data: IndexedDB, else localStorage, else memory. */
import { browser, type IdbDatabase, type IdbRequest, type WebStorage } from "./globals";
import type { KeyValueStorage } from "./types";

/** A store in memory (tests, or browsers without storage). */
export function memoryStorage(): KeyValueStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

function request<T>(req: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** One IndexedDB object store used as a key/value store. */
export function indexedDbStorage(name = "backline"): KeyValueStorage {
  let db: Promise<IdbDatabase> | undefined;
  const open = () => {
    db ??= new Promise((resolve, reject) => {
      const req = (browser.indexedDB as NonNullable<typeof browser.indexedDB>).open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore("kv");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return db;
  };
  const store = async (mode: "readonly" | "readwrite") =>
    (await open()).transaction("kv", mode).objectStore("kv");
  return {
    getItem: async (key) =>
      ((await request((await store("readonly")).get(key))) as string | undefined) ?? null,
    setItem: async (key, value) => void (await request((await store("readwrite")).put(value, key))),
    removeItem: async (key) => void (await request((await store("readwrite")).delete(key))),
  };
}

function usableLocalStorage(): WebStorage | undefined {
  try {
    const ls = browser.localStorage;
    if (!ls) return undefined;
    ls.setItem("backline:probe", "1");
    ls.removeItem("backline:probe");
    return ls;
  } catch {
    return undefined;
  }
}

/** localStorage when it works (not in private modes that refuse writes), else memory. */
export function localStorageOrMemory(): KeyValueStorage {
  return usableLocalStorage() ?? memoryStorage();
}

/** The default store for local (device) data: IndexedDB, else localStorage, else memory. */
export function defaultStorage(): KeyValueStorage {
  if (browser.indexedDB) return indexedDbStorage();
  return localStorageOrMemory();
}

/** JSON values under a key prefix, read and written one at a time per key. */
export class JsonStore {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix: string,
  ) {}

  async read<T>(key: string, fallback: () => T): Promise<T> {
    const text = await this.storage.getItem(this.prefix + key);
    return text === null ? fallback() : (JSON.parse(text) as T);
  }

  async write(key: string, value: unknown): Promise<void> {
    await this.storage.setItem(this.prefix + key, JSON.stringify(value));
  }

  async remove(key: string): Promise<void> {
    await this.storage.removeItem(this.prefix + key);
  }

  /** Read-modify-write of one key, serialized with other updates of the same key. */
  update<T, R>(key: string, fallback: () => T, change: (value: T) => R | Promise<R>): Promise<R> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(async () => {
      const value = await this.read(key, fallback);
      const result = await change(value);
      await this.write(key, value);
      return result;
    });
    this.locks.set(
      key,
      run.catch(() => undefined),
    );
    return run;
  }
}
