/** The committed generated sources match what the server's definitions generate now. */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { API_TYPES_PATH, generateApiTypes, generateStubSeed, STUB_SEED_PATH } from "../generate-types";

describe("generated SDK sources (run `npm run client:types` when these fail)", () => {
  it("client/src/api.d.ts is the app's current OpenAPI document", async () => {
    expect(await readFile(API_TYPES_PATH, "utf8")).toBe(await generateApiTypes());
  });

  it("client/src/stub/seed.ts is db/seed.sql's curriculum and wrangler.toml's plans", async () => {
    const committed = await readFile(STUB_SEED_PATH, "utf8");
    expect(committed).toBe(await generateStubSeed());
    expect(committed).toContain('id: "boom-bap"');
    expect(committed).toContain('priceId: "price_premium_monthly"');
  });
});
