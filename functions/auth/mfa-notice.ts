import { insertOutbox } from "../../db/queries/outbox";
import type { EmailTemplate } from "../../shared/email/templates";
import { queuedEmail } from "../../shared/email/templates";
import type { Database } from "../../shared/env";

/** Who a security notice goes to. */
export interface NoticeRecipient {
  id: string;
  email: string;
}

/** A security notice for the batch of the change it tells of: its outbox id and insert. */
export function securityNotice(db: Database, to: NoticeRecipient, email: EmailTemplate) {
  const id = crypto.randomUUID();
  return {
    id,
    statement: insertOutbox(db, { id, userId: to.id, to: to.email, email: queuedEmail(email) }),
  };
}
