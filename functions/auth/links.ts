import type { Context } from "hono";
import type { AppEnv } from "../../shared/env";

/** The frontend link that carries an emailed token (`APP_URL/<page>?token=…`). */
export function appLink<E extends AppEnv>(
  c: Context<E>,
  page: "verify-email" | "reset-password",
  token: string,
): string {
  const url = new URL(page, `${c.get("config").APP_URL}/`);
  url.searchParams.set("token", token);
  return url.toString();
}
