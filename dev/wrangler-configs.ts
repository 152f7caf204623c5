/**
 * The workers `wrangler dev` runs for Backline, the API first (the primary, on the port): the API
 * worker (wrangler.toml) and the assets worker it binds as ASSETS (wrangler.assets.toml). One
 * `wrangler dev` runs both, so the binding connects.
 */
export const WRANGLER_CONFIGS = ["wrangler.toml", "wrangler.assets.toml"] as const;

/** `--config` arguments for both workers, relative to the project root. */
export function wranglerConfigArgs(): string[] {
  return WRANGLER_CONFIGS.flatMap((config) => ["--config", config]);
}
