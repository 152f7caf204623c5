import { z } from "@hono/zod-openapi";

/** One purchasable plan: a Stripe recurring price and what it unlocks. */
export const PlanSchema = z
  .object({
    /** Stable plan id used by the frontend (e.g. "premium-monthly"). */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "plan id must be lowercase letters, digits and dashes"),
    name: z.string().min(1).max(100),
    /** The Stripe price id (price_…). Checkout accepts only these. */
    priceId: z.string().regex(/^price_\w+$/, "priceId must be a Stripe price id (price_…)"),
    tier: z.literal("premium"),
    interval: z.enum(["day", "week", "month", "year"]),
    /** Amount in the currency's minor unit (cents). */
    amount: z.number().int().min(0),
    currency: z
      .string()
      .regex(/^[a-z]{3}$/, "currency must be a lowercase ISO 4217 code")
      .default("usd"),
    features: z.array(z.string().min(1).max(200)).max(20).default([]),
  })
  .strict();

export type Plan = z.output<typeof PlanSchema>;

/** The BILLING_PLANS binding: a JSON array of plans with distinct ids and price ids. */
export const PlansSchema = z
  .array(PlanSchema)
  .min(1, "BILLING_PLANS must list at least one plan")
  .refine(
    (plans) => new Set(plans.map((p) => p.id)).size === plans.length,
    "BILLING_PLANS has duplicate plan ids",
  )
  .refine(
    (plans) => new Set(plans.map((p) => p.priceId)).size === plans.length,
    "BILLING_PLANS has duplicate price ids",
  );

/** The BILLING_PLANS binding as it is written: JSON text of the plans. */
export const PlansJsonSchema = z
  .string({ error: "BILLING_PLANS is missing" })
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "BILLING_PLANS is not valid JSON" });
      return z.NEVER;
    }
  })
  .pipe(PlansSchema);

/** Parses the BILLING_PLANS JSON text (dev tools); throws a readable Error when it is not valid. */
export function parsePlans(json: string): Plan[] {
  const parsed = PlansJsonSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`BILLING_PLANS: ${issue?.path.join(".") ?? ""} ${issue?.message ?? "invalid"}`.trim());
  }
  return parsed.data;
}
