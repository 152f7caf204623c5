/** Passkeys over either backend: the browser's WebAuthn ceremony between the API's options and its check. */
import type { Backend } from "../backend";
import type { PasskeyService } from "../mfa-types";
import type { User } from "../types";
import { createPasskey, requireWebauthn, usePasskey, webauthnAvailable } from "../webauthn";

export function createPasskeys(backend: Backend): PasskeyService {
  return {
    isSupported: webauthnAvailable,
    async register(name, password) {
      requireWebauthn();
      const response = await createPasskey(await backend.passkeyCreationOptions(password));
      return backend.registerPasskey({ ...(name?.trim() && { name }), response });
    },
    list: () => backend.listPasskeys(),
    rename: (id, name) => backend.renamePasskey(id, name),
    remove: (id) => backend.deletePasskey(id),
  };
}

/** A sign-in with a discoverable passkey, no email or password: resolves the user whose session started. */
export async function passkeySignIn(backend: Backend): Promise<User> {
  requireWebauthn();
  return backend.signInWithPasskey(await usePasskey(await backend.passkeySignInOptions()));
}
