import { createRoute } from "@hono/zod-openapi";
import { insertAudit } from "../../db/queries/audit";
import {
  deletePasskey,
  findOwnedPasskey,
  findPasskeyHolder,
  insertPasskey,
  listPasskeys,
  MAX_PASSKEYS_PER_USER,
  renamePasskey,
} from "../../db/queries/passkeys";
import { createRouter, mounted } from "../../shared/app";
import { proveAccountOwner, RECENT_SIGNIN_MINUTES } from "../../shared/auth/owner-proof";
import { passkeyProblems } from "../../shared/auth/passkey-problems";
import { authProblems } from "../../shared/auth/problems";
import { verifyRegistration, WebAuthnError } from "../../shared/auth/webauthn";
import { issueChallenge, takeChallenge } from "../../shared/auth/webauthn-challenge";
import { creationOptions, expectedFor } from "../../shared/auth/webauthn-options";
import { requestMeta } from "../../shared/client-ip";
import { isUniqueViolation } from "../../shared/db-errors";
import { deliverAfterResponse } from "../../shared/email/outbox";
import { requireAuth } from "../../shared/middleware/auth";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { securityNotice } from "./mfa-notice";
import { challengeOfResponse, invalidResponse, passkeyDto } from "./passkeys-common";
import {
  CreationOptions,
  PasskeyIdParam,
  PasskeyList,
  PasskeyOptionsBody,
  PasskeySchema,
  RegisterPasskeyBody,
  RenamePasskeyBody,
} from "./passkeys-schemas";
import { passkeySigninRoutes } from "./passkeys-signin";

/**
 * How recent a sign-in with a second factor must be for the account's last second factor to be
 * removed (a stolen access token alone must not turn MFA off, as for TOTP's fresh code).
 */
export const FRESH_FACTOR_MINUTES = 10;

const signedIn = { security: [{ bearer: [] }], middleware: requireAuth(), tags: ["Auth"] };

const registrationOptions = createRoute({
  ...signedIn,
  method: "post",
  path: "/options",
  summary: "Starts registering a passkey",
  description: `Takes the current password again, as setting up an authenticator app does (a stolen access token alone cannot add a way to sign in); an account without one (made through Google or GitHub) must have signed in within the last ${RECENT_SIGNIN_MINUTES} minutes instead. Options for navigator.credentials.create(): a discoverable credential with user verification, no attestation, the user's passkeys excluded. The challenge works once, for 5 minutes.`,
  request: { body: jsonBody(PasskeyOptionsBody) },
  responses: {
    200: jsonContent(CreationOptions, "PublicKeyCredentialCreationOptionsJSON"),
    400: problemContent("No password, for an account that has one"),
    401: problemContent("Not signed in, or the password is wrong"),
    403: problemContent(
      "An account without a password that signed in too long ago (`recent-sign-in-required`)",
    ),
    409: problemContent("The account has as many passkeys as it may have (20)"),
    503: problemContent("Passkeys are unavailable (Redis is down); retry after Retry-After"),
  },
});

const register = createRoute({
  ...signedIn,
  method: "post",
  path: "/",
  summary: "Registers a passkey",
  description:
    "Takes what navigator.credentials.create() resolved to (RegistrationResponseJSON). The user is told by email; the change is audit-logged. From now on, a password sign-in asks for a second factor.",
  request: { body: jsonBody(RegisterPasskeyBody) },
  responses: {
    201: jsonContent(PasskeySchema, "Registered"),
    400: problemContent(
      "The response does not check out (field at fault in `errors`), or its challenge is unknown, used or expired",
    ),
    401: problemContent("Not signed in"),
    409: problemContent("This passkey is already registered"),
    503: problemContent("Passkeys are unavailable (Redis is down); retry after Retry-After"),
  },
});

const list = createRoute({
  ...signedIn,
  method: "get",
  path: "/",
  summary: "Lists the signed-in user's passkeys, oldest first",
  responses: { 200: jsonContent(PasskeyList, "The passkeys"), 401: problemContent("Not signed in") },
});

const rename = createRoute({
  ...signedIn,
  method: "patch",
  path: "/{id}",
  summary: "Renames a passkey",
  request: { params: PasskeyIdParam, body: jsonBody(RenamePasskeyBody) },
  responses: {
    200: jsonContent(PasskeySchema, "Renamed"),
    401: problemContent("Not signed in"),
    404: problemContent("No such passkey"),
  },
});

const remove = createRoute({
  ...signedIn,
  method: "delete",
  path: "/{id}",
  summary: "Removes a passkey",
  description: `Removing the account's last second factor (no other passkey, no authenticator app) turns two-step sign-in off: it needs a session signed in with a second factor (a passkey, or a password and a code) in the last ${FRESH_FACTOR_MINUTES} minutes, else 403 mfa-fresh-factor-required (sign in with the passkey again, then retry). The password and Google/GitHub sign-in stay.`,
  request: { params: PasskeyIdParam },
  responses: {
    204: { description: "Removed" },
    401: problemContent("Not signed in"),
    403: problemContent("The last second factor needs a fresh sign-in with a second factor"),
    404: problemContent("No such passkey"),
  },
});

/** Passkey management of the signed-in user, and passwordless sign-in (passkeys-signin.ts). */
export const passkeyRoutes = createRouter()
  .openapi(registrationOptions, async (c) => {
    const { password } = c.req.valid("json");
    const userId = c.get("userId");
    const holder = await findPasskeyHolder(c.get("db"), userId, c.get("claims").sid);
    if (!holder || holder.disabledAt) throw authProblems.invalidAccessToken();
    if (holder.credentials.length >= MAX_PASSKEYS_PER_USER) throw passkeyProblems.tooMany();
    await proveAccountOwner(c, holder, password, "add the passkey");
    const challenge = await issueChallenge(c.get("redis"), {
      kind: "register",
      userId,
      email: holder.email,
      displayName: holder.displayName,
    });
    c.header("Cache-Control", "no-store");
    return c.json(creationOptions(c.get("config"), holder, challenge), 200);
  })
  .openapi(register, async (c) => {
    const { name, response } = c.req.valid("json");
    const userId = c.get("userId");
    const db = c.get("db");
    const challenge = challengeOfResponse(response, invalidResponse);
    const holder = await takeChallenge(c.get("redis"), challenge, "register");
    if (!holder || holder.userId !== userId) throw passkeyProblems.challengeExpired();
    let credential: Awaited<ReturnType<typeof verifyRegistration>>;
    try {
      credential = await verifyRegistration(response, expectedFor(c.get("config"), challenge));
    } catch (error) {
      if (error instanceof WebAuthnError) throw invalidResponse(error);
      throw error;
    }
    const passkeyName = name ?? `Passkey ${new Date().toISOString().slice(0, 10)}`;
    const recipient = { id: userId, email: holder.email };
    const email = securityNotice(db, recipient, {
      template: "passkey-added",
      displayName: holder.displayName,
      name: passkeyName,
    });
    let created: Awaited<ReturnType<typeof insertPasskey>>;
    try {
      [created] = await db.batch([
        insertPasskey(db, { ...credential, userId, name: passkeyName }),
        insertAudit(db, {
          actorId: userId,
          action: "mfa.passkey_added",
          targetType: "user",
          targetId: userId,
          metadata: { name: passkeyName },
          ...requestMeta(c),
        }),
        email.statement,
      ]);
    } catch (error) {
      if (isUniqueViolation(error, "passkeys_credential_id_unique"))
        throw passkeyProblems.alreadyRegistered();
      throw error;
    }
    const passkey = created[0];
    if (!passkey) throw new Error("passkey registration inserted no row");
    deliverAfterResponse(c, [email.id]);
    c.header("Location", "/api/auth/passkeys");
    return c.json(passkeyDto(passkey), 201);
  })
  .openapi(list, async (c) => {
    const rows = await listPasskeys(c.get("db"), c.get("userId"));
    return c.json({ passkeys: rows.map(passkeyDto) }, 200);
  })
  .openapi(rename, async (c) => {
    const { id } = c.req.valid("param");
    const { name } = c.req.valid("json");
    const userId = c.get("userId");
    const db = c.get("db");
    const owned = await findOwnedPasskey(db, {
      userId,
      id,
      sessionId: c.get("claims").sid,
      freshMinutes: FRESH_FACTOR_MINUTES,
    });
    if (!owned) throw passkeyProblems.notFound();
    const email = securityNotice(
      db,
      { id: userId, email: owned.email },
      {
        template: "passkey-renamed",
        displayName: owned.displayName,
        name,
        previousName: owned.name,
      },
    );
    const [renamed] = await db.batch([
      renamePasskey(db, { userId, id, name }),
      insertAudit(db, {
        actorId: userId,
        action: "mfa.passkey_renamed",
        targetType: "passkey",
        targetId: id,
        metadata: { name, previousName: owned.name },
        ...requestMeta(c),
      }),
      email.statement,
    ]);
    const passkey = renamed[0];
    if (!passkey) throw passkeyProblems.notFound();
    deliverAfterResponse(c, [email.id]);
    return c.json(passkeyDto(passkey), 200);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    const userId = c.get("userId");
    const db = c.get("db");
    const owned = await findOwnedPasskey(db, {
      userId,
      id,
      sessionId: c.get("claims").sid,
      freshMinutes: FRESH_FACTOR_MINUTES,
    });
    if (!owned) throw passkeyProblems.notFound();
    if (!owned.otherFactor && !owned.freshFactor) throw passkeyProblems.lastFactor();
    const email = securityNotice(
      db,
      { id: userId, email: owned.email },
      {
        template: "passkey-removed",
        displayName: owned.displayName,
        name: owned.name,
      },
    );
    await db.batch([
      deletePasskey(db, { userId, id }),
      insertAudit(db, {
        actorId: userId,
        action: "mfa.passkey_removed",
        targetType: "passkey",
        targetId: id,
        metadata: { name: owned.name, lastFactor: !owned.otherFactor },
        ...requestMeta(c),
      }),
      email.statement,
    ]);
    deliverAfterResponse(c, [email.id]);
    return c.body(null, 204);
  })
  .route("/signin", mounted(passkeySigninRoutes));
