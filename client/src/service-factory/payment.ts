/** IPaymentService over the SDK's billing: the subscription with its owner, the signed-in user. */
import type { PaymentService } from "../types";
import { expectArg } from "./args";
import { toSubscription } from "./convert";
import type { IPaymentService } from "./types";

export function adaptPayment(payment: PaymentService, userId: () => string | null): IPaymentService {
  return {
    async createCheckoutSession(priceId) {
      expectArg("paymentService.createCheckoutSession", "priceId", priceId, "string");
      const { id, url } = await payment.createCheckoutSession(priceId);
      return { id, url };
    },
    async getSubscription() {
      const sub = await payment.getSubscription();
      return sub ? toSubscription(sub, userId()) : null;
    },
    async cancelSubscription() {
      return toSubscription(await payment.cancelSubscription(), userId());
    },
    async createPortalSession() {
      const { url } = await payment.createPortalSession();
      return { url };
    },
  };
}
