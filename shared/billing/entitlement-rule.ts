import type { EntitlementRule } from "../../db/queries/billing";
import type { Config } from "../config";

/** The entitlement rule's inputs from the configuration: the grace period and the plans' prices. */
export function entitlementRule(config: Config): EntitlementRule {
  return {
    graceSeconds: config.BILLING_GRACE_PERIOD,
    planPriceIds: config.BILLING_PLANS.map((plan) => plan.priceId),
  };
}
