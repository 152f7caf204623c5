import { describe, expect, it } from "vitest";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken, verifyAccessToken } from "./access-token";

const SECRET = "access-token-test-secret-0123456789abcdefghij";
const OTHER = "access-token-test-other-secret-0123456789abcdef";
const claims = {
  sub: crypto.randomUUID(),
  sid: crypto.randomUUID(),
  role: "user",
  tier: "free",
  email_verified: true,
} as const;

describe("verifyAccessToken", () => {
  it("verifies a token again from the isolate's memory, and refuses it once expired", async () => {
    const issued = Math.floor(Date.now() / 1000);
    const token = await signAccessToken(claims, SECRET, issued);
    const first = await verifyAccessToken(token, { current: SECRET }, issued);
    expect(first).toMatchObject({ ...claims, exp: issued + ACCESS_TOKEN_TTL_SECONDS });
    expect(await verifyAccessToken(token, { current: SECRET }, issued + 60)).toBe(first);
    expect(await verifyAccessToken(token, { current: SECRET }, issued + ACCESS_TOKEN_TTL_SECONDS)).toBeNull();
  });

  it("remembers tokens per secret pair: a secret dropped from rotation stops its tokens", async () => {
    const issued = Math.floor(Date.now() / 1000);
    const token = await signAccessToken(claims, SECRET, issued);
    expect(await verifyAccessToken(token, { current: OTHER, previous: SECRET }, issued)).not.toBeNull();
    expect(await verifyAccessToken(token, { current: OTHER }, issued)).toBeNull();
    expect(await verifyAccessToken(token, { current: SECRET }, issued)).not.toBeNull();
  });

  it("never remembers a token that failed, and refuses a changed one", async () => {
    const issued = Math.floor(Date.now() / 1000);
    const token = await signAccessToken(claims, SECRET, issued);
    expect(await verifyAccessToken(token, { current: SECRET }, issued - 10)).toBeNull(); // not valid yet
    expect(await verifyAccessToken(token, { current: SECRET }, issued)).not.toBeNull();
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === "A" ? "B" : "A"}${signature.at(-1)}`;
    expect(
      await verifyAccessToken(`${header}.${payload}.${flipped}`, { current: SECRET }, issued),
    ).toBeNull();
  });
});
