/** API keys for server-to-server calls: made and managed by a signed-in user, the secret shown once. */
import type { Backend } from "../backend";
import type { ApiKeysService } from "../types";

export function createApiKeys(backend: Backend): ApiKeysService {
  return {
    list: () => backend.listApiKeys(),
    create: (input) => backend.createApiKey(input),
    revoke: (id) => backend.revokeApiKey(id),
    rotate: (id) => backend.rotateApiKey(id),
  };
}
