import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import Stripe from "stripe";
import type { Plan } from "../../shared/billing/plans";
import { StripeEmulator } from "./emulator";

/** Plans for tests: a monthly and a yearly price. */
export const TEST_PLANS: Plan[] = [
  {
    id: "premium-monthly",
    name: "Premium",
    priceId: "price_test_monthly",
    tier: "premium",
    interval: "month",
    amount: 900,
    currency: "usd",
    features: ["Everything"],
  },
  {
    id: "premium-yearly",
    name: "Premium (yearly)",
    priceId: "price_test_yearly",
    tier: "premium",
    interval: "year",
    amount: 9000,
    currency: "usd",
    features: ["Everything", "Two months free"],
  },
];

/** A Stripe emulator alone behind a loopback HTTP server (no database or Redis), for its own tests. */
export interface StripeTestServer {
  url: string;
  emulator: StripeEmulator;
  /** A stripe SDK client pointed at the server, configured as the worker does it. */
  stripe: Stripe;
  /** POSTs JSON to a /_stripe/ control and returns status and parsed body. */
  control<T = unknown>(path: string, body?: unknown, method?: string): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** Starts the emulator on a random port; `secret` is the webhook signing secret. */
export async function startStripeTestServer(secret = "whsec_test_emulator"): Promise<StripeTestServer> {
  const emulator = new StripeEmulator(secret, undefined, { plans: TEST_PLANS });
  const server = createAdaptorServer({ fetch: emulator.app.fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  emulator.publicUrl = url;
  const stripe = new Stripe("sk_test_emulator", {
    host: "127.0.0.1",
    port,
    protocol: "http",
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 0,
  });
  return {
    url,
    emulator,
    stripe,
    async control<T>(path: string, body?: unknown, method = "POST") {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { "content-type": "application/json", accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
