import { toBase64Url } from "../base64url";
import type { Config } from "../config";
import { SUPPORTED_ALGORITHMS } from "./webauthn";
import { WEBAUTHN_CHALLENGE_TTL_SECONDS } from "./webauthn-challenge";

/** A stored credential as options list it. */
interface Descriptor {
  credentialId: string;
  transports: string[];
}

const descriptor = (d: Descriptor) => ({
  id: d.credentialId,
  type: "public-key" as const,
  ...(d.transports.length > 0 ? { transports: d.transports } : {}),
});

/** The user handle an authenticator keeps with a discoverable credential: the user id's 16 bytes. */
export function userHandleOf(userId: string): string {
  const hex = userId.replace(/-/g, "");
  return toBase64Url(Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16)));
}

/**
 * Options for `navigator.credentials.create()`: a discoverable credential (it signs in with no
 * email typed), user verification required (alone, it stands for two factors), no attestation,
 * and the user's passkeys excluded (the same authenticator is not registered twice).
 */
export function creationOptions(
  config: Config,
  user: { id: string; email: string; displayName: string; credentials: Descriptor[] },
  challenge: string,
) {
  return {
    rp: { id: config.WEBAUTHN_RP_ID, name: config.WEBAUTHN_RP_NAME },
    user: { id: userHandleOf(user.id), name: user.email, displayName: user.displayName },
    challenge,
    pubKeyCredParams: SUPPORTED_ALGORITHMS.map((alg) => ({ type: "public-key" as const, alg })),
    timeout: WEBAUTHN_CHALLENGE_TTL_SECONDS * 1000,
    excludeCredentials: user.credentials.map(descriptor),
    authenticatorSelection: {
      residentKey: "required" as const,
      requireResidentKey: true as const,
      userVerification: "required" as const,
    },
    attestation: "none" as const,
    extensions: { credProps: true as const },
  };
}

/**
 * Options for `navigator.credentials.get()`: with no `allowCredentials` the browser offers the
 * site's discoverable passkeys (passwordless); with them, only those (a second factor).
 */
export function requestOptions(config: Config, challenge: string, allow?: Descriptor[]) {
  return {
    challenge,
    timeout: WEBAUTHN_CHALLENGE_TTL_SECONDS * 1000,
    rpId: config.WEBAUTHN_RP_ID,
    ...(allow ? { allowCredentials: allow.map(descriptor) } : {}),
    userVerification: "required" as const,
  };
}

/** What a ceremony answering `challenge` must show: this relying party and its origins. */
export function expectedFor(config: Config, challenge: string) {
  return { challenge, rpId: config.WEBAUTHN_RP_ID, origins: config.WEBAUTHN_ORIGINS };
}
