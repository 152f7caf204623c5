import { createRoute, z } from "@hono/zod-openapi";
import { ingestEvents } from "../../db/queries/events";
import { createRouter } from "../../shared/app";
import { judgeEvents } from "../../shared/events/verdicts";
import { assertLiveSession } from "../../shared/middleware/auth";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { TrackEventsBody } from "../../shared/schemas/events";

const EventResultSchema = z
  .object({
    index: z.number().int(),
    status: z.enum(["accepted", "rejected"]),
    reason: z
      .enum(["unknown-name", "server-only-name", "invalid-ts", "ts-in-future", "ts-expired", "invalid-props"])
      .optional(),
    detail: z.string().optional(),
  })
  .openapi("EventResult");

const track = createRoute({
  method: "post",
  path: "/",
  tags: ["Events"],
  // Optional: an empty requirement means anonymous callers are welcome too.
  security: [{ bearer: [] }, {} as Record<string, string[]>],
  summary: "Records a batch of usage events, signed in or anonymous; each is accepted or rejected on its own",
  description:
    "Up to 100 events per batch, each named from the catalogue (page_view, lesson_started, lesson_completed, …) " +
    "plus the deployment's EVENT_NAMES_EXTRA. Signed in with an anonymousId, that id's earlier anonymous events " +
    "become the user's. Rejected events are listed with a reason; the rest are stored.",
  request: { body: jsonBody(TrackEventsBody) },
  responses: {
    200: jsonContent(
      z.object({ results: z.array(EventResultSchema) }).openapi("TrackEventsResponse"),
      "A verdict per event, in the order sent",
    ),
    400: problemContent("The envelope is malformed (the field is named)"),
    401: problemContent("The access token is not valid"),
  },
});

export const eventRoutes = createRouter().openapi(track, async (c) => {
  const body = c.req.valid("json");
  // A token is optional here, but one that is sent must belong to a live session.
  const userId = c.get("auth") ? (await assertLiveSession(c)).sub : null;
  const config = c.get("config");
  const verdicts = judgeEvents(body.events, {
    extraNames: config.EVENT_NAMES_EXTRA,
    retentionDays: config.EVENT_RETENTION_DAYS,
    now: new Date(),
  });
  const accepted = verdicts.flatMap((v) => (v.status === "accepted" ? [v.event] : []));
  const anonymousId = body.anonymousId ?? null;
  if (accepted.length > 0 || (userId && anonymousId)) {
    await ingestEvents(c.get("db"), { userId, anonymousId, events: accepted });
  }
  const results = verdicts.map((v) =>
    v.status === "accepted"
      ? { index: v.index, status: v.status }
      : { index: v.index, status: v.status, reason: v.reason, detail: v.detail },
  );
  return c.json({ results }, 200);
});
