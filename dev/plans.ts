import { unstable_readConfig } from "wrangler";
import { type Plan, parsePlans } from "../shared/billing/plans";

/** The BILLING_PLANS of wrangler.toml's local environment ([env.dev]): the prices the Stripe emulator seeds. */
export function plansFromWranglerToml(configPath = "wrangler.toml"): Plan[] {
  const config = unstable_readConfig({ config: configPath, env: "dev" }, { hideWarnings: true });
  const raw = config.vars?.BILLING_PLANS;
  if (typeof raw !== "string") throw new Error(`${configPath} has no BILLING_PLANS var`);
  return parsePlans(raw);
}
