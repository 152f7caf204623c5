/** Request schemas of the billing group. */
import * as z from "zod";

export const CheckoutBody = z
  .object({ priceId: z.string().min(1).max(255) })
  .strict()
  .meta({ id: "CheckoutRequest" });
