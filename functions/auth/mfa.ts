import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type AuditEntry, insertAudit } from "../../db/queries/audit";
import {
  deleteTotp,
  enableTotp,
  factorNames,
  findMfaAccount,
  findMfaFactors,
  findMfaStatus,
  findTotpStarter,
  hasSecondFactor,
  type MfaAccount,
  recordTotpStep,
  replaceRecoveryCodes,
  upsertPendingTotp,
  useRecoveryCode,
} from "../../db/queries/mfa";
import { recordPasskeyUse } from "../../db/queries/passkeys";
import { insertSession } from "../../db/queries/sessions";
import { updatePasswordHash } from "../../db/queries/users";
import { createRouter } from "../../shared/app";
import {
  issueMfaChallenge,
  MFA_CHALLENGE_TTL_SECONDS,
  passwordStepOf,
  readMfaChallenge,
} from "../../shared/auth/mfa-challenge";
import { mfaProblems } from "../../shared/auth/mfa-problems";
import { proveAccountOwner, RECENT_SIGNIN_MINUTES } from "../../shared/auth/owner-proof";
import { accountBudget, accountKeyOf } from "../../shared/auth/password-guard";
import { authProblems } from "../../shared/auth/problems";
import { newRecoveryCodes } from "../../shared/auth/recovery-codes";
import { newTotpSecret, sealTotpSecret, totpEnrolment } from "../../shared/auth/totp";
import { requestMeta } from "../../shared/client-ip";
import { deliverAfterResponse } from "../../shared/email/outbox";
import type { AppEnv, Database } from "../../shared/env";
import { requireAuth } from "../../shared/middleware/auth";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import type { FactorMatch } from "./mfa-factor";
import { verifyFactor } from "./mfa-factor";
import { securityNotice } from "./mfa-notice";
import { passkeyFactorOptions, verifyPasskeyFactor } from "./mfa-passkey";
import { clearPendingChallenge, pendingChallenge } from "./mfa-pending";
import {
  ChallengeBody,
  ChallengeOptionsBody,
  FactorCodeBody,
  MfaRequired,
  MfaStatus,
  RecoveryCodes,
  StartTotpBody,
  TotpEnrolment,
} from "./mfa-schemas";
import { RequestOptions } from "./passkeys-schemas";
import { assertNoBodyTokenForBrowser } from "./refresh-cookie";
import { AuthResponse } from "./schemas";
import { newRefreshToken, signedInBody } from "./session-tokens";
import { signinBudgetsFor } from "./throttle";

type Statement = Parameters<Database["batch"]>[0][number];

const status = createRoute({
  method: "get",
  path: "/",
  tags: ["Auth"],
  summary: "The signed-in user's second factors",
  description:
    "Whether the authenticator app is on (a set-up waiting for its first code is not), how many recovery codes are left, and how many passkeys are registered. Never the secret or the codes.",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  responses: {
    200: jsonContent(MfaStatus, "The second factors"),
    401: problemContent("Not signed in"),
  },
});

const startTotp = createRoute({
  method: "post",
  path: "/totp",
  tags: ["Auth"],
  summary: "Starts setting up an authenticator app",
  description: `Takes the current password again (a stolen access token alone cannot add a factor); an account without one (made through Google or GitHub) must have signed in within the last ${RECENT_SIGNIN_MINUTES} minutes instead. Returns a new secret, its otpauth:// URI and a QR code; the app is on once POST /totp/verify accepts a first code. Starting again replaces a secret not yet verified.`,
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  request: { body: jsonBody(StartTotpBody) },
  responses: {
    200: jsonContent(TotpEnrolment, "The secret to add to the authenticator app"),
    400: problemContent("No password, for an account that has one"),
    401: problemContent("Not signed in, or the password is wrong"),
    403: problemContent(
      "An account without a password that signed in too long ago (`recent-sign-in-required`)",
    ),
    409: problemContent("An authenticator app is already on"),
    429: problemContent("Too many wrong passwords for this account; retry later"),
  },
});

const verifyTotp = createRoute({
  method: "post",
  path: "/totp/verify",
  tags: ["Auth"],
  summary: "Turns the authenticator app on with its first code",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  request: { body: jsonBody(FactorCodeBody) },
  responses: {
    200: jsonContent(RecoveryCodes, "On; the recovery codes are shown this once"),
    401: problemContent("Not signed in, or the code is wrong"),
    409: problemContent("No authenticator app is being set up"),
    429: problemContent("Too many wrong codes for this account; retry later"),
  },
});

const disableTotp = createRoute({
  method: "post",
  path: "/totp/disable",
  tags: ["Auth"],
  summary: "Turns the authenticator app off (needs a current code or a recovery code)",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  request: { body: jsonBody(FactorCodeBody) },
  responses: {
    204: { description: "Off; the recovery codes are gone too" },
    401: problemContent("Not signed in, or the code is wrong"),
    409: problemContent("No authenticator app is on"),
    429: problemContent("Too many wrong codes for this account; retry later"),
  },
});

const regenerateCodes = createRoute({
  method: "post",
  path: "/recovery-codes",
  tags: ["Auth"],
  summary: "Replaces the recovery codes (needs a current code or a recovery code)",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  request: { body: jsonBody(FactorCodeBody) },
  responses: {
    200: jsonContent(RecoveryCodes, "The new codes, shown this once; the old ones stop working"),
    401: problemContent("Not signed in, or the code is wrong"),
    409: problemContent("No authenticator app is on"),
    429: problemContent("Too many wrong codes for this account; retry later"),
  },
});

const completeChallenge = createRoute({
  method: "post",
  path: "/challenge",
  tags: ["Auth"],
  summary: "Completes a sign-in that asked for a second factor",
  description:
    "Takes the challenge sign-in answered with and either a code of the authenticator app or a recovery code, or a passkey's assertion for the options of POST /challenge/options. Answers like sign-in. Failures count in the sign-in failure budgets; each code and each challenge works once.",
  request: { body: jsonBody(ChallengeBody) },
  responses: {
    200: jsonContent(AuthResponse, "Signed in; the refresh token is in the cookie"),
    401: problemContent("The challenge is invalid, used or expired, or the code or passkey is wrong"),
    429: problemContent("Too many failed attempts"),
    503: problemContent("Second factors cannot be checked (Redis is down); retry after Retry-After"),
  },
});

const pending = createRoute({
  method: "post",
  path: "/pending",
  tags: ["Auth"],
  summary: "The sign-in waiting for a second factor after Google or GitHub",
  description:
    "When a Google or GitHub sign-in returns to the app with `error=mfa-required`, the account has a second factor: the callback kept a challenge in an HttpOnly cookie sent only to /api/auth/mfa. This returns it, as password sign-in would have; complete it with POST /challenge. Needs an allowed Origin.",
  responses: {
    200: jsonContent(MfaRequired, "The challenge and the factors that complete it"),
    403: problemContent("Not from an allowed origin"),
    404: problemContent("No sign-in is waiting (none, or it expired)"),
  },
});

const challengeOptions = createRoute({
  method: "post",
  path: "/challenge/options",
  tags: ["Auth"],
  summary: "Passkey options for a sign-in's second step",
  description:
    "Options for navigator.credentials.get() limited to the passkeys of the account the challenge is for; send the result with the challenge to POST /challenge.",
  request: { body: jsonBody(ChallengeOptionsBody) },
  responses: {
    200: jsonContent(RequestOptions, "PublicKeyCredentialRequestOptionsJSON"),
    401: problemContent("The challenge is invalid, used or expired"),
    409: problemContent("The account has no passkey"),
    503: problemContent("Passkeys are unavailable (Redis is down); retry after Retry-After"),
  },
});

/** The account of the signed-in user with what its second factors need; 401 if it is gone. */
async function signedInAccount<E extends AppEnv>(c: Context<E>, userId: string): Promise<MfaAccount> {
  const account = await findMfaAccount(c.get("db"), userId);
  if (!account) throw authProblems.invalidAccessToken();
  return account;
}

/**
 * The statements that spend a checked factor for good: the TOTP step is recorded; or the
 * recovery code is marked used, or the passkey's counter recorded, audit-logged and its owner emailed.
 */
function spendFactor(
  db: Database,
  account: MfaAccount,
  match: FactorMatch,
  meta: Pick<AuditEntry, "ip" | "userAgent">,
): { statements: [Statement, ...Statement[]]; outboxIds: string[] } {
  if (match.kind === "totp")
    return { statements: [recordTotpStep(db, account.id, match.step)], outboxIds: [] };
  if (match.kind === "passkey") {
    const email = securityNotice(db, account, {
      template: "passkey-second-factor",
      displayName: account.displayName,
      name: match.name,
    });
    return {
      statements: [
        recordPasskeyUse(db, match.passkeyId, match.signCount),
        insertAudit(db, {
          actorId: account.id,
          action: "mfa.passkey_used",
          targetType: "passkey",
          targetId: match.passkeyId,
          ...meta,
        }),
        email.statement,
      ],
      outboxIds: [email.id],
    };
  }
  const email = securityNotice(db, account, {
    template: "recovery-code-used",
    displayName: account.displayName,
    remaining: String(match.remaining),
  });
  return {
    statements: [
      useRecoveryCode(db, match.codeId),
      insertAudit(db, {
        actorId: account.id,
        action: "mfa.recovery_code_used",
        targetType: "user",
        targetId: account.id,
        metadata: { remaining: match.remaining },
        ...meta,
      }),
      email.statement,
    ],
    outboxIds: [email.id],
  };
}

/** A live sign-in challenge and its account: the account still has a second factor and the same password. */
async function liveChallenge<E extends AppEnv>(c: Context<E>, token: string) {
  const config = c.get("config");
  const challenge = await readMfaChallenge(config.JWT_SECRET, token);
  if (!challenge) throw mfaProblems.invalidChallenge();
  const account = await findMfaAccount(c.get("db"), challenge.sub);
  const live =
    account &&
    !account.disabledAt &&
    hasSecondFactor(account) &&
    (await passwordStepOf(config.JWT_SECRET, account.passwordHash)) === challenge.pw;
  if (!account || !live) throw mfaProblems.invalidChallenge();
  return { challenge, account };
}

/**
 * Sign-in's answer when the password was right and a second factor is on: a challenge instead
 * of a session, and which factors can complete it. One Neon round trip (the audit entry, the
 * factors, and the rehash a sign-in would do).
 */
export async function mfaChallengeResponse(
  c: Context<AppEnv>,
  user: { id: string; email: string; passwordHash: string },
  rehash: string | undefined,
) {
  const db = c.get("db");
  const passwordHash = rehash ?? user.passwordHash;
  const challenge = await issueMfaChallenge(c.get("config").JWT_SECRET, {
    id: user.id,
    accountKey: accountKeyOf(user.email),
    passwordHash,
  });
  const [factors] = await db.batch([
    findMfaFactors(db, user.id),
    insertAudit(db, {
      actorId: user.id,
      action: "auth.signin_mfa_required",
      targetType: "user",
      targetId: user.id,
      ...requestMeta(c),
    }),
    ...(rehash ? [updatePasswordHash(db, user.id, rehash)] : []),
  ]);
  return {
    mfaRequired: true as const,
    challenge,
    expiresIn: MFA_CHALLENGE_TTL_SECONDS,
    factors: factorNames(factors[0]),
  };
}

export const mfaRoutes = createRouter()
  .openapi(status, async (c) => {
    const row = await findMfaStatus(c.get("db"), c.get("userId"));
    if (!row) throw authProblems.invalidAccessToken();
    c.header("Cache-Control", "no-store");
    return c.json(
      {
        totp: { enabled: row.totpEnabledAt !== null, enabledAt: row.totpEnabledAt?.toISOString() ?? null },
        recoveryCodesLeft: row.recoveryCodesLeft,
        passkeys: row.passkeys,
      },
      200,
    );
  })
  .openapi(startTotp, async (c) => {
    const { password } = c.req.valid("json");
    const userId = c.get("userId");
    const config = c.get("config");
    const account = await findTotpStarter(c.get("db"), userId, c.get("claims").sid);
    if (!account) throw authProblems.invalidAccessToken();
    if (account.totpEnabledAt) throw mfaProblems.totpAlreadyEnabled();
    await proveAccountOwner(c, { id: userId, ...account }, password, "set up the app");
    const secret = newTotpSecret();
    const [pending] = await upsertPendingTotp(
      c.get("db"),
      userId,
      await sealTotpSecret(config, userId, secret),
    );
    if (!pending) throw mfaProblems.totpAlreadyEnabled();
    return c.json(totpEnrolment(secret, account.email), 200);
  })
  .openapi(verifyTotp, async (c) => {
    const { code } = c.req.valid("json");
    const userId = c.get("userId");
    const config = c.get("config");
    const db = c.get("db");
    const account = await signedInAccount(c, userId);
    if (!account.totp || account.totp.enabledAt) throw mfaProblems.totpNotEnrolled();
    const match = await verifyFactor(c, account, code, {
      budgets: [accountBudget(config, account.email)],
      pending: true,
    });
    if (match.kind !== "totp") throw mfaProblems.invalidCode();
    const { codes, hashes } = await newRecoveryCodes(config);
    const email = securityNotice(db, account, { template: "totp-enabled", displayName: account.displayName });
    await db.batch([
      enableTotp(db, userId, match.step),
      ...replaceRecoveryCodes(db, userId, hashes),
      insertAudit(db, {
        actorId: userId,
        action: "mfa.totp_enabled",
        targetType: "user",
        targetId: userId,
        ...requestMeta(c),
      }),
      email.statement,
    ]);
    deliverAfterResponse(c, [email.id]);
    return c.json({ recoveryCodes: codes }, 200);
  })
  .openapi(disableTotp, async (c) => {
    const { code } = c.req.valid("json");
    const userId = c.get("userId");
    const db = c.get("db");
    const meta = requestMeta(c);
    const account = await signedInAccount(c, userId);
    if (!account.totp?.enabledAt) throw mfaProblems.totpNotEnabled();
    const match = await verifyFactor(c, account, code, {
      budgets: [accountBudget(c.get("config"), account.email)],
    });
    const spent = spendFactor(db, account, match, meta);
    const email = securityNotice(db, account, {
      template: "totp-disabled",
      displayName: account.displayName,
    });
    await db.batch([
      ...spent.statements,
      insertAudit(db, {
        actorId: userId,
        action: "mfa.totp_disabled",
        targetType: "user",
        targetId: userId,
        metadata: { factor: match.kind },
        ...meta,
      }),
      ...deleteTotp(db, userId),
      email.statement,
    ]);
    deliverAfterResponse(c, [...spent.outboxIds, email.id]);
    return c.body(null, 204);
  })
  .openapi(regenerateCodes, async (c) => {
    const { code } = c.req.valid("json");
    const userId = c.get("userId");
    const config = c.get("config");
    const db = c.get("db");
    const meta = requestMeta(c);
    const account = await signedInAccount(c, userId);
    if (!account.totp?.enabledAt) throw mfaProblems.totpNotEnabled();
    const match = await verifyFactor(c, account, code, { budgets: [accountBudget(config, account.email)] });
    const spent = spendFactor(db, account, match, meta);
    const { codes, hashes } = await newRecoveryCodes(config);
    const email = securityNotice(db, account, {
      template: "recovery-codes-regenerated",
      displayName: account.displayName,
    });
    await db.batch([
      ...spent.statements,
      insertAudit(db, {
        actorId: userId,
        action: "mfa.recovery_codes_regenerated",
        targetType: "user",
        targetId: userId,
        metadata: { factor: match.kind },
        ...meta,
      }),
      ...replaceRecoveryCodes(db, userId, hashes),
      email.statement,
    ]);
    deliverAfterResponse(c, [...spent.outboxIds, email.id]);
    return c.json({ recoveryCodes: codes }, 200);
  })
  .openapi(pending, async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(await pendingChallenge(c), 200);
  })
  .openapi(challengeOptions, async (c) => {
    const { challenge, account } = await liveChallenge(c, c.req.valid("json").challenge);
    c.header("Cache-Control", "no-store");
    return c.json(await passkeyFactorOptions(c, account, challenge), 200);
  })
  .openapi(completeChallenge, async (c) => {
    const { challenge: token, code, passkey, returnRefreshToken } = c.req.valid("json");
    assertNoBodyTokenForBrowser(c, returnRefreshToken);
    const config = c.get("config");
    const db = c.get("db");
    const meta = requestMeta(c);
    const { challenge, account } = await liveChallenge(c, token);
    const checks = {
      budgets: signinBudgetsFor(c, challenge.ak),
      challenge,
      failure: {
        actorId: account.id,
        action: "auth.mfa_failed",
        targetType: "user",
        targetId: account.id,
        metadata: { factor: passkey ? "passkey" : "code" },
        ...meta,
      },
    };
    const match = passkey
      ? await verifyPasskeyFactor(c, account, passkey, checks)
      : await verifyFactor(c, account, code ?? "", checks);
    const sessionId = crypto.randomUUID();
    const refreshToken = await newRefreshToken(config, sessionId);
    const spent = spendFactor(db, account, match, meta);
    await db.batch([
      insertSession(db, {
        id: sessionId,
        userId: account.id,
        refreshHash: refreshToken.hash,
        method: `${challenge.via ?? "password"}+${match.kind}`,
        ...meta,
      }),
      insertAudit(db, {
        actorId: account.id,
        action: "auth.signin",
        targetType: "session",
        targetId: sessionId,
        metadata: { factor: match.kind, ...(challenge.via ? { method: challenge.via } : {}) },
        ...meta,
      }),
      ...spent.statements,
    ]);
    deliverAfterResponse(c, spent.outboxIds);
    clearPendingChallenge(c);
    return c.json(await signedInBody(c, account, sessionId, refreshToken.token, returnRefreshToken), 200);
  });
