import { z } from "@hono/zod-openapi";

/** An audit log entry as the admin API shows it. */
export const AuditLogSchema = z
  .object({
    id: z.number().int(),
    actorId: z.uuid().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.iso.datetime(),
  })
  .openapi("AuditLog");
