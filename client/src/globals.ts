/**
 * The browser globals the SDK touches, typed here so its sources compile under any lib
 * (DOM, Workers, Node): every one may be missing, and the SDK checks before use.
 */
export interface IdbRequest<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
export interface IdbStore {
  get(key: string): IdbRequest<unknown>;
  put(value: string, key: string): IdbRequest<unknown>;
  delete(key: string): IdbRequest<unknown>;
}
export interface IdbDatabase {
  createObjectStore(name: string): unknown;
  transaction(store: string, mode: "readonly" | "readwrite"): { objectStore(name: string): IdbStore };
}
export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
}
export interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

interface BrowserGlobals {
  location: { search: string; origin: string; href: string; assign(url: string): void };
  history: { state: unknown; replaceState(state: unknown, unused: string, url: string): void };
  navigator: { onLine: boolean; userAgent?: string };
  indexedDB: { open(name: string, version: number): IdbOpenRequest };
  localStorage: WebStorage;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** The page's globals where there are some (a browser), each possibly undefined. */
export const browser = globalThis as unknown as Partial<BrowserGlobals>;
