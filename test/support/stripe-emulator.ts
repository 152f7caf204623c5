import { expect } from "vitest";
import { type TestBindings, testEnv } from "./harness";
import { deliver } from "./stripe-events";

/**
 * The Stripe emulator's test controls (dev/stripe/README.md). The worker under test has no HTTP
 * port, so the emulator queues the events it makes; tests take them and deliver them.
 */
const base = () => testEnv.STRIPE_API_BASE as string;

async function control<T>(path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(`${base()}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface PendingDelivery {
  id: string;
  type: string;
  created: number;
  payload: string;
  signature: string;
}

/** Clicks "Pay" on a checkout session's page: Stripe creates the subscription and invoice. */
export function pay(sessionId: string) {
  return control<{
    session: { id: string; customer: string; subscription: string };
    subscription: { id: string; status: string };
    invoice: { id: string; status: string };
  }>(`/_stripe/checkout/${sessionId}/pay`);
}

/** Moves a subscription to the end of its period (renews, fails to renew, or ends it). */
export function advance(subscriptionId: string, options: { fail?: boolean } = {}) {
  return control<unknown>(`/_stripe/subscriptions/${subscriptionId}/advance`, options);
}

/** Takes the events queued for one customer, oldest first. */
export function takePending(customer: string) {
  return control<PendingDelivery[]>("/_stripe/pending/take", { customer });
}

/** Delivers every event queued for a customer to the worker, in order; each must be acknowledged. */
export async function deliverPending(bindings: TestBindings, customer: string): Promise<string[]> {
  const pending = await takePending(customer);
  for (const d of pending) {
    const res = await deliver(bindings, d);
    expect(res.status, `${d.type} ${await res.text()}`).toBe(200);
  }
  return pending.map((d) => d.type);
}
