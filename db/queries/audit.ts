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

/** The insert of one audit entry, for a `db.batch` beside the action. */
export function insertAudit(db: Database, entry: AuditEntry) {
  return db.insert(auditLogs).values(entry);
}
