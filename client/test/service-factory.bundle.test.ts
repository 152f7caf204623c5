/** The built drop-in module (client/dist/service-factory.js): one file with no imports that works on its own. */
import { describe, expect, it } from "vitest";
import { bundleEntry } from "../build";

type FactoryModule = typeof import("../src/service-factory/index");

describe("npm run client:build: service-factory.js", () => {
  it("bundles one dependency-free ES module whose serviceFactory works in stub mode", async () => {
    const result = await bundleEntry("service-factory", { write: false });
    const js = result.outputFiles?.find((f) => f.path.endsWith("service-factory.js"))?.text ?? "";
    expect(js).not.toMatch(/^\s*import\s/m);
    expect(js).not.toMatch(/\brequire\(/);
    const module = (await import(
      `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
    )) as FactoryModule;
    const { serviceFactory } = module;
    expect(serviceFactory.mode).toBe("stub");
    const auth = serviceFactory.getAuthService();
    const state = await auth.signUp("bundle@example.com", "a sturdy passphrase 42", "B");
    expect(state).toMatchObject({ isAuthenticated: true, user: { email: "bundle@example.com" } });
    const saved = await serviceFactory.getDataSyncService().savePattern({ name: "P", tempo: 90, tracks: [] });
    expect(saved.createdAt).toBeInstanceOf(Date);
    await expect(auth.signIn(123 as unknown as string, "x")).rejects.toThrow(TypeError);
  });
});
