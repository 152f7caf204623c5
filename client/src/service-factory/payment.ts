/** IPaymentService over the SDK's billing: the subscription with its tier, owner and period start. */
import type { PaymentService, Plan, Subscription as SdkSubscription } from "../types";
import { expectArg } from "./args";
import { toSubscription } from "./convert";
import type { IPaymentService } from "./types";

export function adaptPayment(payment: PaymentService, userId: () => string | null): IPaymentService {
  // The plans (for a subscription's tier and interval) change with a deploy only: asked once.
  let plans: Promise<Plan[]> | undefined;
  const plansOnce = () => {
    plans ??= payment.listPlans().catch((error: unknown) => {
      plans = undefined;
      throw error;
    });
    return plans;
  };
  const shaped = async (sub: SdkSubscription) => toSubscription(sub, userId(), await plansOnce());

  return {
    async createCheckoutSession(priceId) {
      expectArg("paymentService.createCheckoutSession", "priceId", priceId, "string");
      const { id, url } = await payment.createCheckoutSession(priceId);
      return { id, url };
    },
    async getSubscription() {
      const sub = await payment.getSubscription();
      return sub ? shaped(sub) : null;
    },
    async cancelSubscription() {
      return shaped(await payment.cancelSubscription());
    },
    async createPortalSession() {
      const { url } = await payment.createPortalSession();
      return { url };
    },
  };
}
