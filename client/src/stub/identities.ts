/**
 * Stub provider sign-in, identities and change of email (functions/auth/oauth.ts,
 * functions/me/identities.ts, functions/me/email-change.ts). The stub's "provider" never
 * leaves the page: it vouches at once for the account `stubAccount` names (a verified address),
 * as the dev stand-in's consent page would for the test user you pick. Where the API lands a
 * failed flow on the app URL (`lastRedirectError()`), the stub rejects the call itself.
 */
import { oauthProblems } from "../../../shared/auth/oauth-problems";
import { authProblems } from "../../../shared/auth/problems";
import { ChangeEmailBody, ConfirmEmailChangeBody } from "../../../shared/schemas/me";
import type { Backend } from "../backend";
import { fromApiError, randomId, validationProblem } from "../errors";
import { mfaRequiredError } from "../mfa-required";
import type { OAuthProvider, ProviderFlowOptions, ProviderInfo } from "../types";
import { COOKIE, hasPassword, openSession, proveAccountOwner, revokeSessions, toUserDto } from "./auth";
import { issueMfaChallenge } from "./factors";
import { appLink, newEmailToken, saveEmailToken, sendEmail, sha256Hex } from "./mail";
import { stubProblems as p, validate } from "./problems";
import type { StubDb, StubUser, StubWorld } from "./world";

const PROVIDERS: ProviderInfo[] = [
  { id: "google", name: "Google" },
  { id: "github", name: "GitHub" },
];
const nameOf = (provider: OAuthProvider) => PROVIDERS.find((x) => x.id === provider)?.name ?? provider;

type IdentityCalls =
  | "listProviders"
  | "startProviderSignIn"
  | "listIdentities"
  | "linkIdentity"
  | "unlinkIdentity"
  | "changeEmail"
  | "confirmEmailChange";

/** The stub provider's account: the one asked for, else a fixed test user per provider. */
function vouched(
  provider: OAuthProvider,
  account: ProviderFlowOptions["stubAccount"],
  fallbackEmail?: string,
) {
  const email = (account?.email ?? fallbackEmail ?? `${provider}-user@example.com`).trim().toLowerCase();
  // The provider's user id: one per provider account, which the stub names by its address.
  return { email, name: account?.name ?? `${nameOf(provider)} User`, providerUserId: `stub-${email}` };
}

function holderOf(db: StubDb, provider: OAuthProvider, providerUserId: string): StubUser | undefined {
  return Object.values(db.users).find((u) =>
    u.identities?.some((i) => i.provider === provider && i.providerUserId === providerUserId),
  );
}

export function stubIdentities(world: StubWorld): Pick<Backend, IdentityCalls> {
  return {
    listProviders: async () => PROVIDERS,
    async startProviderSignIn(provider, _redirect, stubAccount) {
      const instance = `/api/auth/oauth/${provider}/callback`;
      const account = vouched(provider, stubAccount);
      const session = await world.tx((db) => {
        const now = new Date().toISOString();
        const identity = {
          provider,
          providerUserId: account.providerUserId,
          email: account.email,
          linkedAt: now,
        };
        let user = holderOf(db, provider, account.providerUserId);
        if (!user) {
          user = Object.values(db.users).find((u) => u.email === account.email);
          if (user) {
            // Linked only when both sides verified the address (the stub's provider always has).
            if (!user.emailVerifiedAt) throw fromApiError(oauthProblems.accountExists(), instance);
            if (user.identities?.some((i) => i.provider === provider))
              throw fromApiError(oauthProblems.accountExists(), instance);
            user.identities = [...(user.identities ?? []), identity];
            sendEmail(db, user.email, {
              template: "identity-linked",
              displayName: user.displayName,
              provider: nameOf(provider),
              providerEmail: account.email,
            });
          } else {
            user = {
              id: randomId(),
              email: account.email,
              displayName: account.name.slice(0, 80),
              role: world.admins.has(account.email) ? "admin" : "user",
              tier: "free",
              createdAt: now,
              salt: "",
              hash: "",
              avatarUrl: null,
              emailVerifiedAt: now,
              identities: [identity],
            };
            db.users[user.id] = user;
            sendEmail(db, user.email, { template: "welcome", displayName: user.displayName });
          }
        }
        // A second factor is asked for after a provider too, as the API does.
        return issueMfaChallenge(db, user) ?? { id: openSession(db, user), user };
      });
      if ("challenge" in session) throw mfaRequiredError(session, instance);
      world.current = session.id;
      await world.cookie.write(COOKIE, session.id);
      return { user: toUserDto(session.user) };
    },
    async listIdentities() {
      const user = world.viewer(await world.read(), "/api/me/identities");
      return {
        hasPassword: hasPassword(user),
        identities: (user.identities ?? []).map(({ provider, email, linkedAt }) => ({
          provider,
          email,
          linkedAt,
        })),
      };
    },
    async linkIdentity(provider, _redirect, stubAccount) {
      const instance = `/api/me/identities/${provider}`;
      await world.tx((db) => {
        const user = world.viewer(db, instance);
        if (user.identities?.some((i) => i.provider === provider))
          throw fromApiError(oauthProblems.providerLinked(), instance);
        const account = vouched(provider, stubAccount, user.email);
        const holder = holderOf(db, provider, account.providerUserId);
        if (holder && holder.id !== user.id) throw fromApiError(oauthProblems.identityTaken(), instance);
        const linkedAt = new Date().toISOString();
        user.identities = [
          ...(user.identities ?? []),
          { provider, providerUserId: account.providerUserId, email: account.email, linkedAt },
        ];
        sendEmail(db, user.email, {
          template: "identity-added",
          displayName: user.displayName,
          provider: nameOf(provider),
          providerEmail: account.email,
        });
      });
      return { linked: true as const };
    },
    async unlinkIdentity(provider) {
      const instance = `/api/me/identities/${provider}`;
      await world.tx((db) => {
        const user = world.viewer(db, instance);
        const identities = user.identities ?? [];
        if (!identities.some((i) => i.provider === provider))
          throw p.notFound("No account of this provider is linked.", instance);
        if (!hasPassword(user) && identities.length === 1)
          throw fromApiError(oauthProblems.lastSignInMethod(), instance);
        user.identities = identities.filter((i) => i.provider !== provider);
        sendEmail(db, user.email, {
          template: "identity-removed",
          displayName: user.displayName,
          provider: nameOf(provider),
        });
      });
    },
    async changeEmail(body) {
      const instance = "/api/me/email";
      const current = world.current;
      const user = world.viewer(await world.read(), instance);
      const input = validate(ChangeEmailBody, body, instance);
      if (input.newEmail === user.email)
        throw validationProblem(
          [{ path: "newEmail", message: "is already this account's address" }],
          instance,
        );
      await proveAccountOwner(world, user, input.password, "change the address", instance);
      const token = await newEmailToken();
      await world.tx((db) => {
        const now = new Date().toISOString();
        for (const t of Object.values(db.emailTokens))
          if (t.userId === user.id && t.purpose === "change_email") t.usedAt ??= now;
        if (Object.values(db.users).some((u) => u.email === input.newEmail)) {
          // Told, not sent a link: the answer is the same either way.
          sendEmail(db, input.newEmail, { template: "email-change-taken" });
        } else {
          saveEmailToken(db, token.hash, user.id, "change_email");
          Object.assign(db.emailTokens[token.hash] ?? {}, { newEmail: input.newEmail, sessionId: current });
          sendEmail(
            db,
            input.newEmail,
            { template: "email-change-confirm", displayName: user.displayName },
            appLink(world, "confirm-email", token.token),
          );
        }
        sendEmail(db, user.email, {
          template: "email-change-requested",
          displayName: user.displayName,
          newEmail: input.newEmail,
        });
      });
    },
    async confirmEmailChange(token) {
      const instance = "/api/me/email/confirm";
      const input = validate(ConfirmEmailChangeBody, { token }, instance);
      const hash = await sha256Hex(input.token);
      return world.tx((db) => {
        const stored = db.emailTokens[hash];
        const user = stored ? db.users[stored.userId] : undefined;
        const valid =
          stored?.purpose === "change_email" && !stored.usedAt && Date.parse(stored.expiresAt) > Date.now();
        if (!valid || !user || !stored.newEmail) throw p.invalidEmailedToken(instance);
        const newEmail = stored.newEmail;
        if (Object.values(db.users).some((u) => u.email === newEmail && u.id !== user.id))
          throw fromApiError(
            authProblems.emailTaken("This address belongs to another account since the change was asked."),
            instance,
          );
        const now = new Date().toISOString();
        for (const t of Object.values(db.emailTokens)) if (t.userId === user.id) t.usedAt ??= now;
        const oldEmail = user.email;
        user.email = newEmail;
        user.emailVerifiedAt = now;
        revokeSessions(db, user.id, stored.sessionId);
        sendEmail(db, oldEmail, { template: "email-changed", displayName: user.displayName, newEmail });
        return { email: newEmail };
      });
    },
  };
}
