import { passkeyProblems } from "../../shared/auth/passkey-problems";
import { challengeOf, WebAuthnError } from "../../shared/auth/webauthn";
import type { ApiError } from "../../shared/errors";

/** A passkey as the API shows it. */
export function passkeyDto(p: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null }) {
  return {
    id: p.id,
    name: p.name,
    createdAt: p.createdAt.toISOString(),
    lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
  };
}

/** A registration that does not check out: 400 naming the field of the request at fault. */
export function invalidResponse(error: WebAuthnError): ApiError {
  const path = `response.${error.path}`;
  return passkeyProblems.invalidRegistration({
    detail: `${path} ${error.message}.`,
    extensions: { errors: [{ path, message: error.message }] },
  });
}

/** The challenge a ceremony's response answers (the key of its stored record); `onError` when unreadable. */
export function challengeOfResponse(
  body: { response: { clientDataJSON: string } },
  onError: (error: WebAuthnError) => ApiError,
): string {
  try {
    return challengeOf(body.response.clientDataJSON);
  } catch (error) {
    if (error instanceof WebAuthnError) throw onError(error);
    throw error;
  }
}
