import { BacklineError, PROBLEM_BASE } from "../errors";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The frontend sends the browser to checkout, portal and share URLs: only https: ones (http: on
 * localhost/127.0.0.1 for local stacks) are passed on, anything else (javascript:, data:, a
 * relative or plain-http URL…) is a BacklineError.
 */
export function checkedUrl<T extends { url: string }>(result: T, instance: string): T {
  let url: URL | undefined;
  try {
    url = new URL(result.url);
  } catch {
    url = undefined;
  }
  const ok = url?.protocol === "https:" || (url?.protocol === "http:" && LOOPBACK.has(url.hostname));
  if (ok) return result;
  throw new BacklineError({
    type: `${PROBLEM_BASE}unsafe-url`,
    title: "The API answered with an unsafe URL",
    status: 502,
    detail: "Only https: URLs (http: on localhost) are followed.",
    instance,
  });
}
