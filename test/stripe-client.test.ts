import { describe, expect, it } from "vitest";
import { createStripe } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { fileEnv } from "./support/harness";

const bindings = fileEnv("stripe_client");

describe("Stripe client inside workerd", () => {
  it("talks to the emulator through the fetch HTTP client and the STRIPE_API_BASE override", async () => {
    const stripe = createStripe(loadConfig(bindings));
    const email = `stripe-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const created = await stripe.customers.create(
      { email, metadata: { userId: "u1" } },
      { idempotencyKey: `cus-${email}` },
    );
    expect(created.id).toMatch(/^cus_/);
    const again = await stripe.customers.create(
      { email, metadata: { userId: "u1" } },
      { idempotencyKey: `cus-${email}` },
    );
    expect(again.id).toBe(created.id);
    const fetched = await stripe.customers.retrieve(created.id);
    expect(fetched).toMatchObject({ id: created.id, email, metadata: { userId: "u1" } });
  });
});
