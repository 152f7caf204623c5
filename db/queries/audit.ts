import { is, SQL, sql } from "drizzle-orm";
import type { Database } from "../database";
import { auditLogs } from "../schema/audit";

/** One audit log entry; written in the same batch as the action it records. */
export interface AuditEntry {
  actorId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  ip?: string;
  userAgent?: string;
  metadata?: Record<string, unknown>;
}

/** The API key each key-authenticated request's database handle acts for (one handle per such request). */
const apiKeyOfDatabase = new WeakMap<Database, string>();

/**
 * Marks a request's database handle as acting for an API key: every audit entry written
 * through it names the key in `metadata.apiKeyId`, whichever route writes it.
 */
export function auditAsApiKey(db: Database, keyId: string): void {
  apiKeyOfDatabase.set(db, keyId);
}

function metadataFor(db: Database, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  const apiKeyId = apiKeyOfDatabase.get(db);
  return apiKeyId ? { ...metadata, apiKeyId } : metadata;
}

/** The insert of one audit entry, for a `db.batch` beside the action. */
export function insertAudit(db: Database, entry: AuditEntry) {
  return db.insert(auditLogs).values({ ...entry, metadata: metadataFor(db, entry.metadata) });
}

/** The insert of an audit entry only if `condition` (a select) finds a row: for batches whose action may hit nothing. */
export function insertAuditIf(db: Database, e: AuditEntry, condition: SQL) {
  return db.execute(sql`
    insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent, metadata)
    select ${e.actorId}, ${e.action}, ${e.targetType ?? null}, ${e.targetId ?? null}, ${e.ip ?? null},
           ${e.userAgent ?? null}, ${JSON.stringify(metadataFor(db, e.metadata))}::jsonb
    where exists (${condition})
  `);
}

/** The insert of an audit entry only if the user exists (a webhook may name a deleted account). */
export function insertAuditIfUserExists(db: Database, userId: string, entry: AuditEntry) {
  return insertAuditIf(db, entry, sql`select 1 from users where id = ${userId}`);
}

/**
 * The insert of an audit entry for a statement's own CTE: one entry per row of `from` (the
 * CTE that did the write, with its filter), so the entry exists exactly when the action
 * happened. `targetId` (text) and `metadata` (jsonb) may be SQL expressions over the columns of `from`.
 */
export function auditFrom(
  db: Database,
  e: Omit<AuditEntry, "targetId" | "metadata"> & {
    targetId?: string | SQL;
    metadata?: Record<string, unknown> | SQL;
  },
  from: SQL,
): SQL {
  const metadata = is(e.metadata, SQL)
    ? sql`(${e.metadata} || ${JSON.stringify(metadataFor(db))}::jsonb)`
    : sql`${JSON.stringify(metadataFor(db, e.metadata))}::jsonb`;
  return sql`
    insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent, metadata)
    select ${e.actorId}::uuid, ${e.action}, ${e.targetType ?? null}, ${e.targetId ?? null}, ${e.ip ?? null},
           ${e.userAgent ?? null}, ${metadata}
    from ${from}
  `;
}
