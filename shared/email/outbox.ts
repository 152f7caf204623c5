import type { Context } from "hono";
import { findUnsent, recordDeliveries } from "../../db/queries/outbox";
import type { Config } from "../config";
import { describeError } from "../db-errors";
import type { AppEnv, Database } from "../env";
import { sendEmail } from "./transport";

/**
 * Sends outbox emails (the given ids, or every due one) and records each outcome.
 * Runs after the commit, in `waitUntil` or the scheduled handler; failures stay in the
 * outbox with back-off and are retried by the next scheduled run.
 */
export async function deliverOutbox(db: Database, config: Config, ids?: string[]): Promise<void> {
  if (ids && ids.length === 0) return;
  const rows = await findUnsent(db, ids);
  const results = await Promise.all(
    rows.map(async (row) => {
      try {
        await sendEmail(config, row);
        return { id: row.id };
      } catch (error) {
        return { id: row.id, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  await recordDeliveries(db, results);
}

/** Sends the given outbox emails once the response is out (`waitUntil`), after the commit. */
export function deliverAfterResponse<E extends AppEnv>(c: Context<E>, ids: string[]): void {
  c.executionCtx.waitUntil(
    deliverOutbox(c.get("db"), c.get("config"), ids).catch((error: unknown) => {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "outbox delivery failed",
          requestId: c.get("requestId"),
          ...describeError(error),
        }),
      );
    }),
  );
}
