import { and, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Database } from "../database";
import { emailOutbox, type RenderedEmail } from "../schema/email";

export type OutboxRow = typeof emailOutbox.$inferSelect;

/** The insert of an email into the outbox, for the batch of the action that sends it. */
export function insertOutbox(
  db: Database,
  values: { id: string; userId: string | null; to: string; email: RenderedEmail },
) {
  const { email, ...rest } = values;
  return db.insert(emailOutbox).values({
    ...rest,
    template: email.template,
    subject: email.subject,
    text: email.text,
    html: email.html,
  });
}

/** Unsent emails by id, or all that are due for a (re)try when no ids are given. */
export function findUnsent(db: Database, ids?: string[], limit = 50) {
  return db
    .select()
    .from(emailOutbox)
    .where(
      and(
        isNull(emailOutbox.sentAt),
        ids ? inArray(emailOutbox.id, ids) : lte(emailOutbox.nextAttemptAt, sql`now()`),
        sql`${emailOutbox.attempts} < 10`,
      ),
    )
    .limit(limit);
}

/** Records the outcome of one delivery pass in one statement: sent rows, and failures with back-off. */
export async function recordDeliveries(db: Database, results: { id: string; error?: string }[]) {
  if (results.length === 0) return;
  const values = sql.join(
    results.map((r) => sql`(${r.id}::uuid, ${r.error ?? null}::text)`),
    sql`, `,
  );
  await db.execute(sql`
    update email_outbox o set
      attempts = o.attempts + 1,
      sent_at = case when r.error is null then now() else null end,
      last_error = r.error,
      next_attempt_at = now() + make_interval(mins => least(60, power(2, o.attempts)::int))
    from (values ${values}) as r(id, error)
    where o.id = r.id
  `);
}
