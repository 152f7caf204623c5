/** Mode detection and switching. */
import { afterEach, describe, expect, it } from "vitest";
import { createBackline, detectMode, memoryStorage } from "../src/index";

const g = globalThis as { location?: { search: string; origin: string } };

afterEach(() => {
  delete g.location;
});

describe("mode", () => {
  it("is the explicit option, else http for ?backend=real, else stub", () => {
    expect(detectMode()).toBe("stub");
    g.location = { search: "?x=1&backend=real", origin: "http://localhost:8788" };
    expect(detectMode()).toBe("http");
    expect(detectMode("stub")).toBe("stub");
    g.location = { search: "?backend=stub", origin: "http://localhost:8788" };
    expect(detectMode()).toBe("stub");
    expect(createBackline({ storage: memoryStorage() }).mode).toBe("stub");
  });

  it("creates services on first use and starts over after setMode", async () => {
    const storage = memoryStorage();
    const client = createBackline({ mode: "stub", storage });
    const auth = client.auth;
    expect(client.auth).toBe(auth);
    await auth.signUp({ email: "mode@example.com", password: "a sturdy passphrase 42", displayName: "M" });
    client.setMode("stub");
    expect(client.auth).not.toBe(auth);
    expect(client.auth.getAuthState().signedIn).toBe(false);
    expect((await client.auth.init()).user?.email).toBe("mode@example.com");
    client.setMode("http");
    expect(client.mode).toBe("http");
  });
});
