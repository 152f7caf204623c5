/** The real API's provider sign-in, identities and change of email, behind the `Backend` interface. */
import type { Backend } from "../backend";
import { checkedUrl } from "./checked-url";
import type { Transport } from "./transport";

type IdentityCalls =
  | "listProviders"
  | "startProviderSignIn"
  | "listIdentities"
  | "linkIdentity"
  | "unlinkIdentity"
  | "changeEmail"
  | "confirmEmailChange";

export function httpIdentities(api: Transport, baseUrl: string): Pick<Backend, IdentityCalls> {
  return {
    listProviders: async () => (await api.call("get", "/api/auth/providers", { auth: false })).providers,
    async startProviderSignIn(provider, redirect) {
      // A navigation, not a fetch: the API answers with a redirect to the provider and sets the flow cookie.
      const start = `${baseUrl}/api/auth/oauth/${encodeURIComponent(provider)}/start`;
      return { navigate: `${start}?redirect=${encodeURIComponent(redirect)}` };
    },
    listIdentities: () => api.call("get", "/api/me/identities"),
    async linkIdentity(provider, redirect) {
      const instance = `/api/me/identities/${provider}`;
      const { url } = checkedUrl(
        await api.call("post", "/api/me/identities/{provider}", { params: { provider }, body: { redirect } }),
        instance,
      );
      return { navigate: url };
    },
    async unlinkIdentity(provider) {
      await api.call("delete", "/api/me/identities/{provider}", { params: { provider } });
    },
    async changeEmail(body) {
      await api.call("post", "/api/me/email", { body });
    },
    confirmEmailChange: (token) =>
      api.call("post", "/api/me/email/confirm", { body: { token }, auth: false }),
  };
}
