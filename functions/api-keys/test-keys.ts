import type { TestBindings } from "../../test/support/harness";
import { send } from "../../test/support/harness";

/** An API key as the create route answers it. */
export interface CreatedKey {
  id: string;
  secret: string;
  scopes: string[];
  prefix: string;
  lastFour: string;
}

/** Creates an API key for the signed-in user behind `accessToken` (fails the test otherwise). */
export async function createKey(
  bindings: TestBindings,
  accessToken: string,
  body: { name?: string; scopes: string[]; expiresAt?: string },
): Promise<CreatedKey> {
  const res = await send(bindings, "/api/api-keys", {
    method: "POST",
    headers: { Authorization: `Bearer ${accessToken}` },
    json: { name: "test key", ...body },
  });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedKey;
}

/** Authorization header for an API key. */
export function keyAuth(key: CreatedKey | string): Record<string, string> {
  return { Authorization: `Bearer ${typeof key === "string" ? key : key.secret}` };
}
