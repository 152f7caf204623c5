import { sql } from "drizzle-orm";
import type { Database } from "../database";
import type { AuditEntry } from "./audit";

export interface ReorderOutcome {
  /** Whether `lessonIds` named every lesson of the category exactly once (and so were written). */
  applied: boolean;
  /** Lessons of the category that `lessonIds` left out. */
  missing: string[];
  /** Ids in `lessonIds` that are not lessons of the category. */
  unknown: string[];
}

/**
 * Rewrites the positions of a category's lessons to the order of `lessonIds` (1, 2, …) in one
 * statement, audit-logged, only if the list names every lesson of the category exactly once
 * (ids are distinct: the route refuses repeats). The category's lessons are locked first, so a
 * lesson added meanwhile makes the list incomplete instead of being left out of the order.
 */
export async function reorderCategory(
  db: Database,
  v: { category: string; lessonIds: string[]; audit: Omit<AuditEntry, "targetType" | "targetId"> },
): Promise<ReorderOutcome> {
  const result = await db.execute<{ applied: boolean; missing: string[]; unknown: string[] }>(sql`
    with wanted as (
      select id, ord from unnest(${sql.param(v.lessonIds)}::text[]) with ordinality as t(id, ord)
    ),
    current as (
      select id from lessons where category = ${v.category} for update
    ),
    check_ as (
      select
        coalesce((select array_agg(c.id order by c.id) from current c
                  where c.id not in (select id from wanted)), '{}') as missing,
        coalesce((select array_agg(w.id order by w.ord) from wanted w
                  where w.id not in (select id from current)), '{}') as unknown
    ),
    ok as (
      select cardinality(missing) = 0 and cardinality(unknown) = 0 and exists (select 1 from current) as applied
      from check_
    ),
    moved as (
      update lessons set position = w.ord, updated_at = now()
      from wanted w, ok
      where ok.applied and lessons.id = w.id and lessons.category = ${v.category}
        and lessons.position is distinct from w.ord
      returning lessons.id
    ),
    audited as (
      insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent, metadata)
      select ${v.audit.actorId ?? null}::uuid, ${v.audit.action}, 'lesson_category', ${v.category},
             ${v.audit.ip ?? null}, ${v.audit.userAgent ?? null},
             ${JSON.stringify({ lessonIds: v.lessonIds })}::jsonb || jsonb_build_object('moved', (select count(*) from moved))
      from ok where ok.applied
    )
    select ok.applied, check_.missing, check_.unknown from ok, check_
  `);
  const row = result.rows[0];
  return { applied: row?.applied ?? false, missing: row?.missing ?? [], unknown: row?.unknown ?? [] };
}
