/** The build: one ES module with no imports that works on its own, and one declaration file. */
import { describe, expect, it } from "vitest";
import { bundleDeclarations, bundleModule } from "../build";

type Sdk = typeof import("../src/index");

describe("npm run client:build", () => {
  it("bundles one dependency-free ES module that runs in stub mode", async () => {
    const result = await bundleModule({ write: false });
    const js = result.outputFiles?.find((f) => f.path.endsWith("backline.js"))?.text ?? "";
    expect(js).not.toMatch(/^\s*import\s/m);
    expect(js).not.toMatch(/\brequire\(/);
    // zod's `z` taken as a whole brings its locales and JSON Schema generator (~800 KiB).
    // Second factors (the stub's TOTP, passkey checks and QR codes, WebAuthn) add ~47 KB; identities,
    // API keys and usage events ~50 KB more (unminified: 390 KB, 90 KB gzipped; minified 66 KB gzipped);
    // teams, invitations, classes and team keys (SDK and stub) ~45 KB more.
    expect(js.length).toBeLessThan(450_000);
    const sdk = (await import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`)) as Sdk;
    const client = sdk.createBackline({ storage: sdk.memoryStorage() });
    expect(client.mode).toBe("stub");
    await client.auth.signUp({
      email: "bundle@example.com",
      password: "a sturdy passphrase 42",
      displayName: "B",
    });
    const saved = await client.dataSync.savePattern({ name: "P", tempo: 90, tracks: [] });
    expect(saved).toMatchObject({ version: 1, syncState: "synced" });
    const error = await client.auth.signIn({ email: "x", password: "" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(sdk.BacklineError);
  });

  // dts-bundle-generator runs the TypeScript compiler over the whole SDK: ~10 s alone on 2 cores,
  // about twice that while other suites share them.
  it("writes one declaration file with the public API", { timeout: 120_000 }, () => {
    const dts = bundleDeclarations();
    expect(dts).not.toMatch(/^import /m);
    for (const name of [
      "export declare function createBackline",
      "export declare class BacklineError",
      "export interface AuthService",
      "export interface DataSyncService",
      "export interface PaymentService",
    ])
      expect(dts).toContain(name);
  });
});
