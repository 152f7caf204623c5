/** The SDK's apiKeys service in stub mode: the server's rules (format, scopes, cap, rotation, revocation). */
import { describe, expect, it } from "vitest";
import { apiKeyChecksum } from "../../shared/auth/api-key-format";
import { BacklineError, createBackline, memoryStorage } from "../src/index";

async function signedIn(admins: string[] = []) {
  const client = createBackline({ mode: "stub", storage: memoryStorage(), stubAdmins: admins });
  const email = `keys-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await client.auth.signUp({ email, password: "a sturdy passphrase 42", displayName: "K" });
  return client;
}

describe("apiKeys (stub)", () => {
  it("creates a key whose secret is shown once, lists it without the secret, rotates and revokes it", async () => {
    const client = await signedIn();
    const key = await client.apiKeys.create({ name: "CI", scopes: ["patterns:read"] });
    expect(key.secret).toMatch(/^bk_test_[0-9A-Za-z]{50}$/);
    const body = key.secret.slice(8);
    expect(apiKeyChecksum(body.slice(0, 44))).toBe(body.slice(44));
    const [listed] = await client.apiKeys.list();
    expect(listed).toMatchObject({ id: key.id, lastFour: key.secret.slice(-4), revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(key.secret);
    const rotated = await client.apiKeys.rotate(key.id);
    expect(rotated.secret).not.toBe(key.secret);
    expect(Date.parse(rotated.previousSecretValidUntil) - Date.now()).toBeGreaterThan(23 * 3600_000);
    await client.apiKeys.revoke(key.id);
    expect((await client.apiKeys.list())[0]?.revokedAt).not.toBeNull();
    await expect(client.apiKeys.revoke(key.id)).rejects.toMatchObject({ status: 404 });
  });

  it("refuses lessons:write for a non-admin, naming the scope; an admin may", async () => {
    const client = await signedIn();
    const error = await client.apiKeys.create({ name: "x", scopes: ["lessons:write"] }).catch((e) => e);
    expect(error).toBeInstanceOf(BacklineError);
    expect(error).toMatchObject({ status: 403, type: "https://backline.dev/problems/scope-not-allowed" });
    const admin = createBackline({
      mode: "stub",
      storage: memoryStorage(),
      stubAdmins: ["boss@example.com"],
    });
    await admin.auth.signUp({
      email: "boss@example.com",
      password: "a sturdy passphrase 42",
      displayName: "B",
    });
    await admin.apiKeys.create({ name: "x", scopes: ["lessons:write"] });
  });

  it("validates like the server: the field at fault", async () => {
    const client = await signedIn();
    const error = await client.apiKeys
      .create({ name: "x", scopes: ["patterns:delete" as "patterns:read"] })
      .catch((e: BacklineError) => e);
    expect(error).toMatchObject({ status: 400 });
    expect(JSON.stringify(error)).toContain("scopes.0");
  });
});
