/**
 * What `AuthState.token` and the stub's `stub-user` key need beside the SDK's own session.
 * Real mode: the API's current access token, read from the SDK's sign-in, sign-up and refresh
 * answers as they pass through its fetch (the SDK keeps the token to itself). Stub mode: a fake
 * `stub-token-…` per sign-in, and the signed-in user saved under localStorage `stub-user`, as
 * the spec's stub does.
 */
import type { KeyValueStorage, User as SdkUser } from "../types";
import { toUser } from "./convert";

export interface Session {
  /** The token of the signed-in user, or null. */
  token(): string | null;
  /** Called on every sign-in (user) and sign-out (null) after the service is made. */
  changed(user: SdkUser | null): void;
}

const TOKEN_PATHS = ["/api/auth/signin", "/api/auth/signup", "/api/auth/refresh"];

/** Real mode: `fetch` wrapped so the access token of each auth answer is kept. */
export function realSession(fetcher: typeof fetch): Session & { fetch: typeof fetch } {
  let token: string | null = null;
  return {
    token: () => token,
    changed(user) {
      if (!user) token = null;
    },
    async fetch(input, init) {
      const response = await fetcher(input, init);
      const url = new URL(input instanceof Request ? input.url : String(input), "http://localhost");
      if (response.ok && TOKEN_PATHS.includes(url.pathname)) {
        const body = (await response
          .clone()
          .json()
          .catch(() => ({}))) as { accessToken?: unknown };
        if (typeof body.accessToken === "string") token = body.accessToken;
      }
      return response;
    },
  };
}

/** The localStorage key of the spec's stub session. */
export const STUB_USER_KEY = "stub-user";

/** Stub mode: a fake token per sign-in, and the user under `stub-user` in `storage`. */
export function stubSession(storage: KeyValueStorage): Session {
  let token: string | null = null;
  return {
    token: () => token,
    changed(user) {
      if (user) {
        token = `stub-token-${crypto.randomUUID().replaceAll("-", "")}`;
        void storage.setItem(STUB_USER_KEY, JSON.stringify(toUser(user)));
      } else {
        token = null;
        void storage.removeItem(STUB_USER_KEY);
      }
    },
  };
}
