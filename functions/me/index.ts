import { createRoute, z } from "@hono/zod-openapi";
import { findProfile, updateProfile } from "../../db/queries/users";
import { createRouter } from "../../shared/app";
import { toUserDto, UserSchema } from "../../shared/auth/user-dto";
import { problems } from "../../shared/errors";
import { requireAuth } from "../../shared/middleware/auth";
import { problemContent } from "../../shared/openapi";
import { DisplayNameSchema } from "../auth/schemas";

/** Only these fields are writable; anything else (role, tier, email, ids…) is a 400. */
const PatchMeBody = z
  .object({
    displayName: DisplayNameSchema.optional(),
    avatarUrl: z
      .url({ protocol: /^https$/, error: "must be an https URL" })
      .max(2048)
      .nullable()
      .optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "send at least one of displayName, avatarUrl")
  .openapi("UpdateMeRequest");

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

export const me = createRouter()
  .openapi(getMe, async (c) => {
    const profile = await findProfile(c.get("db"), c.get("userId") as string);
    if (!profile) throw problems.notFound("This account no longer exists.");
    return c.json(toUserDto(profile), 200);
  })
  .openapi(patchMe, async (c) => {
    const profile = await updateProfile(c.get("db"), c.get("userId") as string, c.req.valid("json"));
    if (!profile) throw problems.notFound("This account no longer exists.");
    return c.json(toUserDto(profile), 200);
  });
