import { createRoute } from "@hono/zod-openapi";
import { deleteAccount } from "../../db/queries/accounts";
import { findAccountForDeletion, findProfile, updateProfile } from "../../db/queries/users";
import { createRouter, mounted } from "../../shared/app";
import { proveAccountOwner, RECENT_SIGNIN_MINUTES } from "../../shared/auth/owner-proof";
import { markSessionsRevoked } from "../../shared/auth/revocation";
import { toUserDto, UserSchema } from "../../shared/auth/user-dto";
import { closeCustomer } from "../../shared/billing/stripe-customer";
import { createStripe } from "../../shared/clients";
import { deliverAfterResponse } from "../../shared/email/outbox";
import { queuedEmail } from "../../shared/email/templates";
import { problems } from "../../shared/errors";
import { requireAuth } from "../../shared/middleware/auth";
import { problemContent } from "../../shared/openapi";
import { DeleteMeBody, PatchMeBody } from "../../shared/schemas/me";
import { emailChangeRoutes } from "./email-change";
import { identityRoutes } from "./identities";
import { meProblems } from "./problems";

/** The account still runs teams others belong to (their names in `teams`). */
function soleTeamOwner(teams: string[]) {
  const named = teams.length > 0 ? `: ${teams.join(", ")}` : "";
  return meProblems.soleTeamOwner({
    detail: `Hand over ownership of the teams you alone own${named}, or delete them, before deleting your account.`,
    extensions: { teams },
  });
}

const getMe = createRoute({
  method: "get",
  path: "/",
  tags: ["Me"],
  summary: "The signed-in user's profile, role, tier and entitlements",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  responses: {
    200: { description: "Profile", content: { "application/json": { schema: UserSchema } } },
    401: problemContent("Not signed in"),
  },
});

const patchMe = createRoute({
  method: "patch",
  path: "/",
  tags: ["Me"],
  summary: "Updates the display name or avatar",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  request: { body: { content: { "application/json": { schema: PatchMeBody } }, required: true } },
  responses: {
    200: { description: "Updated profile", content: { "application/json": { schema: UserSchema } } },
    400: problemContent("Invalid or non-writable fields"),
    401: problemContent("Not signed in"),
  },
});

const deleteMe = createRoute({
  method: "delete",
  path: "/",
  tags: ["Me"],
  summary:
    "Deletes the account and its personal data, closing the Stripe customer first (open checkouts expired, subscriptions canceled, customer deleted)",
  description: `Needs the current password, or for an account without one (made through Google or GitHub) a sign-in made in the last ${RECENT_SIGNIN_MINUTES} minutes.`,
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  request: {
    body: {
      content: {
        "application/json": { schema: DeleteMeBody },
      },
      required: true,
    },
  },
  responses: {
    204: { description: "Deleted" },
    400: problemContent("No password, for an account that has one"),
    401: problemContent("Not signed in, or the password is wrong"),
    403: problemContent(
      "An account without a password that signed in too long ago (`recent-sign-in-required`)",
    ),
    404: problemContent("The account no longer exists"),
    409: problemContent("The only owner of a team others belong to (`teams` names them)"),
    429: problemContent("Too many wrong passwords for this account; retry later"),
    503: problemContent("Stripe is not reachable; nothing was deleted"),
  },
});

export const meRoutes = createRouter()
  .openapi(getMe, async (c) => {
    const profile = await findProfile(c.get("db"), c.get("userId"));
    if (!profile) throw problems.notFound("This account no longer exists.");
    return c.json(toUserDto(profile), 200);
  })
  .openapi(patchMe, async (c) => {
    const profile = await updateProfile(c.get("db"), c.get("userId"), c.req.valid("json"));
    if (!profile) throw problems.notFound("This account no longer exists.");
    return c.json(toUserDto(profile), 200);
  })
  .openapi(deleteMe, async (c) => {
    const { password } = c.req.valid("json");
    const db = c.get("db");
    const userId = c.get("userId");
    const user = await findAccountForDeletion(db, userId, c.get("claims").sid);
    if (!user) throw problems.notFound("This account no longer exists.");
    await proveAccountOwner(c, { id: userId, ...user }, password, "delete the account");
    if (user.soleOwnerOf.length > 0) throw soleTeamOwner(user.soleOwnerOf);
    // Close the customer at Stripe first (open checkouts expired, subscriptions canceled, the
    // customer deleted), asking Stripe itself since the local table may lag: if Stripe cannot
    // be reached the account stays, and the user can retry.
    if (user.stripeCustomerId) {
      const stripe = createStripe(c.get("config"), c.get("traceId"));
      await closeCustomer(stripe, user.stripeCustomerId, `backline-delete-${userId}`);
    }
    const outboxId = crypto.randomUUID();
    const deleted = await deleteAccount(db, {
      userId,
      outboxId,
      message: queuedEmail({ template: "account-deleted", displayName: user.displayName }),
    });
    if (!deleted) throw problems.notFound("This account no longer exists.");
    if ("soleOwner" in deleted) throw soleTeamOwner([]);
    await markSessionsRevoked(c.get("redis"), deleted.sessionIds);
    deliverAfterResponse(c, [outboxId]);
    return c.body(null, 204);
  })
  .route("/", mounted(identityRoutes))
  .route("/", mounted(emailChangeRoutes));
