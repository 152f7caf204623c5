/**
 * Stub passkeys (functions/auth/passkeys*.ts): registration options and registration, list,
 * rename, remove, and passwordless sign-in. The browser's real WebAuthn ceremony runs (the
 * services call navigator.credentials) with the page's host as the relying party; the stub
 * checks its answers as the API does (passkey-checks.ts). Attestation is "none", as the API asks.
 */
import * as z from "zod";
import { passkeyProblems } from "../../../shared/auth/passkey-problems";
import type { PasskeyBackend } from "../backend-mfa";
import { fromApiError, randomId } from "../errors";
import type { CreationOptionsJSON, Passkey, RequestOptionsJSON } from "../mfa-types";
import type { User } from "../types";
import { toBase64Url } from "../webauthn";
import { openSession, proveAccountOwner, startSession } from "./auth";
import { factorsOf, type StubPasskey, type StubWebauthnChallenge } from "./factors";
import { sendEmail } from "./mail";
import { checkedRegistration, ES256, RS256, relyingParty, verifyPasskeyAssertion } from "./passkey-checks";
import { validate } from "./problems";
import type { StubDb, StubWorld } from "./world";

/** At most this many passkeys per account (db/queries/passkeys.ts MAX_PASSKEYS_PER_USER). */
const MAX_PASSKEYS = 20;
/** How long a WebAuthn challenge may be answered (shared/auth/webauthn-challenge.ts). */
const CHALLENGE_TTL_MS = 5 * 60_000;
/** Removing the last second factor needs one used this recently in the session (the API's FRESH_FACTOR_MINUTES). */
const FRESH_FACTOR_MS = 10 * 60_000;

const PasskeyName = z.string().trim().min(1).max(64);
const RenameBody = z.object({ name: PasskeyName }).strict();
const PasskeyOptionsBody = z.object({ password: z.string().min(1).max(1024).optional() }).strict();

/** The user handle an authenticator keeps with the credential: the user id's 16 bytes (as the API's). */
function userHandleOf(userId: string): string {
  const hex = userId.replace(/-/g, "");
  return toBase64Url(Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16)));
}

const toDto = (p: StubPasskey): Passkey => ({
  id: p.id,
  name: p.name,
  createdAt: p.createdAt,
  lastUsedAt: p.lastUsedAt,
});

const ownPasskeys = (db: StubDb, userId: string) =>
  Object.values(factorsOf(db).passkeys)
    .filter((k) => k.userId === userId)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));

/** A new WebAuthn challenge of this purpose (inside a transaction). */
function newChallenge(db: StubDb, record: Omit<StubWebauthnChallenge, "expiresAt">): string {
  const challenge = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  factorsOf(db).webauthn[challenge] = { ...record, expiresAt: Date.now() + CHALLENGE_TTL_MS };
  return challenge;
}

/** Assertion options for a passkey sign-in (no user yet) or second factor (the user's passkeys). */
export function issuePasskeyRequest(
  db: StubDb,
  record: Omit<StubWebauthnChallenge, "expiresAt">,
  rpId: string,
): RequestOptionsJSON {
  const allow = record.userId ? ownPasskeys(db, record.userId) : undefined;
  return {
    challenge: newChallenge(db, record),
    timeout: CHALLENGE_TTL_MS,
    rpId,
    ...(allow && {
      allowCredentials: allow.map((k) => ({ id: k.credentialId, type: "public-key" as const })),
    }),
    userVerification: "required",
  };
}

/** Whether the signed-in session used a second factor in the last minutes (sign-in with a passkey or a code). */
function freshFactor(db: StubDb, sessionId: string | undefined): boolean {
  const at = sessionId ? factorsOf(db).freshSessions?.[sessionId] : undefined;
  return at !== undefined && Date.now() - at < FRESH_FACTOR_MS;
}

export function stubPasskeys(world: StubWorld): PasskeyBackend {
  return {
    async passkeyCreationOptions(password) {
      const instance = "/api/auth/passkeys/options";
      const input = validate(PasskeyOptionsBody, { password }, instance);
      const seen = await world.read();
      const owner = world.viewer(seen, instance);
      if (ownPasskeys(seen, owner.id).length >= MAX_PASSKEYS)
        throw fromApiError(passkeyProblems.tooMany(), instance);
      await proveAccountOwner(world, owner, input.password, "add the passkey", instance);
      return world.tx((db): CreationOptionsJSON => {
        const user = world.viewer(db, instance);
        if (ownPasskeys(db, user.id).length >= MAX_PASSKEYS)
          throw fromApiError(passkeyProblems.tooMany(), instance);
        return {
          rp: { id: relyingParty(world), name: "Music Producer Lab" },
          user: { id: userHandleOf(user.id), name: user.email, displayName: user.displayName },
          challenge: newChallenge(db, { purpose: "register", userId: user.id }),
          pubKeyCredParams: [ES256, RS256].map((alg) => ({ type: "public-key" as const, alg })),
          timeout: CHALLENGE_TTL_MS,
          excludeCredentials: ownPasskeys(db, user.id).map((k) => ({
            id: k.credentialId,
            type: "public-key",
          })),
          authenticatorSelection: {
            residentKey: "required",
            requireResidentKey: true,
            userVerification: "required",
          },
          attestation: "none",
          extensions: { credProps: true },
        };
      });
    },
    async registerPasskey(body) {
      const instance = "/api/auth/passkeys";
      const db = await world.read();
      const user = world.viewer(db, instance);
      const name = body.name === undefined ? undefined : validate(PasskeyName, body.name, instance, "name");
      const checked = await checkedRegistration(world, db, user.id, body.response, instance);
      return world.tx((db) => {
        const factors = factorsOf(db);
        if (!factors.webauthn[checked.challenge])
          throw fromApiError(passkeyProblems.challengeExpired(), instance);
        delete factors.webauthn[checked.challenge];
        if (Object.values(factors.passkeys).some((k) => k.credentialId === body.response.id))
          throw fromApiError(passkeyProblems.alreadyRegistered(), instance);
        const now = new Date().toISOString();
        const passkey: StubPasskey = {
          id: randomId(),
          userId: user.id,
          name: name ?? `Passkey ${now.slice(0, 10)}`,
          credentialId: body.response.id,
          publicKey: checked.publicKey,
          algorithm: checked.algorithm as number,
          signCount: 0,
          createdAt: now,
          lastUsedAt: null,
        };
        factors.passkeys[passkey.id] = passkey;
        sendEmail(db, user.email, {
          template: "passkey-added",
          displayName: user.displayName,
          name: passkey.name,
        });
        return toDto(passkey);
      });
    },
    async listPasskeys() {
      const db = await world.read();
      const user = world.viewer(db, "/api/auth/passkeys");
      return ownPasskeys(db, user.id).map(toDto);
    },
    renamePasskey(id, name) {
      const instance = `/api/auth/passkeys/${encodeURIComponent(id)}`;
      return world.tx((db) => {
        const user = world.viewer(db, instance);
        const input = validate(RenameBody, { name }, instance);
        const passkey = factorsOf(db).passkeys[id];
        if (!passkey || passkey.userId !== user.id) throw fromApiError(passkeyProblems.notFound(), instance);
        sendEmail(db, user.email, {
          template: "passkey-renamed",
          displayName: user.displayName,
          name: input.name,
          previousName: passkey.name,
        });
        passkey.name = input.name;
        return toDto(passkey);
      });
    },
    async deletePasskey(id) {
      const instance = `/api/auth/passkeys/${encodeURIComponent(id)}`;
      await world.tx((db) => {
        const user = world.viewer(db, instance);
        const factors = factorsOf(db);
        const passkey = factors.passkeys[id];
        if (!passkey || passkey.userId !== user.id) throw fromApiError(passkeyProblems.notFound(), instance);
        const otherFactor =
          Boolean(factors.totp[user.id]?.enabledAt) || ownPasskeys(db, user.id).some((k) => k.id !== id);
        if (!otherFactor && !freshFactor(db, world.current))
          throw fromApiError(passkeyProblems.lastFactor(), instance);
        delete factors.passkeys[id];
        sendEmail(db, user.email, {
          template: "passkey-removed",
          displayName: user.displayName,
          name: passkey.name,
        });
      });
    },
    passkeySignInOptions() {
      return world.tx((db) => issuePasskeyRequest(db, { purpose: "signin" }, relyingParty(world)));
    },
    async signInWithPasskey(response): Promise<User> {
      const instance = "/api/auth/passkeys/signin";
      const failed = () => fromApiError(passkeyProblems.signinFailed(), instance);
      const match = await verifyPasskeyAssertion(world, response, { purpose: "signin" }, failed);
      const session = await world.tx((db) => {
        const user = db.users[match.passkey.userId];
        if (!user || !match.commit(db)) throw failed();
        const id = openSession(db, user);
        markFresh(db, id);
        return { id, user };
      });
      return startSession(world, session);
    },
  };
}

/** Records that a session was opened with a second factor just now (for removing the last one). */
export function markFresh(db: StubDb, sessionId: string): void {
  const factors = factorsOf(db);
  const now = Date.now();
  const fresh = factors.freshSessions ?? {};
  // Only the last minutes matter: older entries go.
  factors.freshSessions = Object.fromEntries(
    Object.entries(fresh).filter(([, at]) => now - at < FRESH_FACTOR_MS),
  );
  factors.freshSessions[sessionId] = now;
}
