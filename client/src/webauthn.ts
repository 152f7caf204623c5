/**
 * The browser's WebAuthn ceremonies with JSON in and out: the API's options (WebAuthn L3
 * `…OptionsJSON`) become `navigator.credentials.create()/get()` arguments and the credential
 * becomes `RegistrationResponseJSON`/`AuthenticationResponseJSON`. The browser's own
 * `PublicKeyCredential.parse…FromJSON` and `credential.toJSON()` are used where they exist;
 * elsewhere a small base64url fallback does the same.
 */
import { BacklineError, PROBLEM_BASE } from "./errors";
import type {
  AuthenticationResponseJSON,
  CreationOptionsJSON,
  RegistrationResponseJSON,
  RequestOptionsJSON,
} from "./mfa-types";

/** What the SDK uses of a PublicKeyCredential (typed here: not every lib has WebAuthn L3). */
interface Credential {
  id: string;
  rawId: ArrayBuffer;
  type: string;
  authenticatorAttachment?: string | null;
  response: {
    clientDataJSON: ArrayBuffer;
    attestationObject?: ArrayBuffer;
    authenticatorData?: ArrayBuffer;
    signature?: ArrayBuffer;
    userHandle?: ArrayBuffer | null;
    getTransports?(): string[];
    getPublicKey?(): ArrayBuffer | null;
    getPublicKeyAlgorithm?(): number;
    getAuthenticatorData?(): ArrayBuffer;
  };
  getClientExtensionResults?(): Record<string, unknown>;
  toJSON?(): unknown;
}

interface PublicKeyCredentialStatic {
  parseCreationOptionsFromJSON?(options: CreationOptionsJSON): unknown;
  parseRequestOptionsFromJSON?(options: RequestOptionsJSON): unknown;
}

interface WebAuthnGlobals {
  PublicKeyCredential?: PublicKeyCredentialStatic;
  isSecureContext?: boolean;
  navigator?: {
    credentials?: {
      create(options: { publicKey: unknown }): Promise<unknown>;
      get(options: { publicKey: unknown; mediation?: string }): Promise<unknown>;
    };
  };
}

const page = globalThis as unknown as WebAuthnGlobals;

/** Whether this browser can run passkey ceremonies (WebAuthn, in a secure context). */
export function webauthnAvailable(): boolean {
  return Boolean(page.PublicKeyCredential && page.navigator?.credentials && page.isSecureContext !== false);
}

/** Bytes as base64url without padding. */
export function toBase64Url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = "";
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Base64url (padded or not) as bytes. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Throws the `…/webauthn-unavailable` BacklineError where passkeys cannot work (before asking the API for options). */
export function requireWebauthn(): void {
  if (!webauthnAvailable()) throw unavailable();
}

function unavailable(): BacklineError {
  return new BacklineError({
    type: `${PROBLEM_BASE}webauthn-unavailable`,
    title: "Passkeys are not available in this browser",
    status: 501,
    detail: "This browser (or a page that is not https) cannot create or use passkeys.",
  });
}

/** The browser refused or the user cancelled: a BacklineError naming the DOMException. */
function ceremonyFailed(cause: unknown): BacklineError {
  const name = cause instanceof Error ? cause.name : "Error";
  const cancelled = name === "NotAllowedError" || name === "AbortError";
  return new BacklineError(
    {
      type: `${PROBLEM_BASE}webauthn-${cancelled ? "cancelled" : "failed"}`,
      title: cancelled ? "The passkey request was cancelled or timed out" : "The passkey request failed",
      status: 400,
      detail: cause instanceof Error ? cause.message : String(cause),
      name,
    },
    { cause },
  );
}

const descriptors = (list: CreationOptionsJSON["excludeCredentials"]) =>
  list?.map((d) => ({ ...d, id: fromBase64Url(d.id) }));

function creationOptions(json: CreationOptionsJSON): unknown {
  const parse = page.PublicKeyCredential?.parseCreationOptionsFromJSON;
  if (parse) return parse.call(page.PublicKeyCredential, json);
  return {
    ...json,
    challenge: fromBase64Url(json.challenge),
    user: { ...json.user, id: fromBase64Url(json.user.id) },
    ...(json.excludeCredentials && { excludeCredentials: descriptors(json.excludeCredentials) }),
  };
}

function requestOptions(json: RequestOptionsJSON): unknown {
  const parse = page.PublicKeyCredential?.parseRequestOptionsFromJSON;
  if (parse) return parse.call(page.PublicKeyCredential, json);
  return {
    ...json,
    challenge: fromBase64Url(json.challenge),
    ...(json.allowCredentials && { allowCredentials: descriptors(json.allowCredentials) }),
  };
}

function registrationJSON(credential: Credential): RegistrationResponseJSON {
  if (credential.toJSON) return credential.toJSON() as RegistrationResponseJSON;
  const r = credential.response;
  const publicKey = r.getPublicKey?.();
  return {
    id: credential.id,
    rawId: toBase64Url(credential.rawId),
    type: "public-key",
    response: {
      clientDataJSON: toBase64Url(r.clientDataJSON),
      attestationObject: toBase64Url(r.attestationObject ?? new ArrayBuffer(0)),
      transports: r.getTransports?.() ?? [],
      ...(publicKey && { publicKey: toBase64Url(publicKey) }),
      ...(r.getPublicKeyAlgorithm && { publicKeyAlgorithm: r.getPublicKeyAlgorithm() }),
      ...(r.getAuthenticatorData && { authenticatorData: toBase64Url(r.getAuthenticatorData()) }),
    },
    ...(credential.authenticatorAttachment && {
      authenticatorAttachment: credential.authenticatorAttachment,
    }),
    clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
  };
}

function authenticationJSON(credential: Credential): AuthenticationResponseJSON {
  if (credential.toJSON) return credential.toJSON() as AuthenticationResponseJSON;
  const r = credential.response;
  return {
    id: credential.id,
    rawId: toBase64Url(credential.rawId),
    type: "public-key",
    response: {
      clientDataJSON: toBase64Url(r.clientDataJSON),
      authenticatorData: toBase64Url(r.authenticatorData ?? new ArrayBuffer(0)),
      signature: toBase64Url(r.signature ?? new ArrayBuffer(0)),
      ...(r.userHandle && { userHandle: toBase64Url(r.userHandle) }),
    },
    ...(credential.authenticatorAttachment && {
      authenticatorAttachment: credential.authenticatorAttachment,
    }),
    clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
  };
}

/** Runs `navigator.credentials.create()` with the API's options; resolves the new credential as JSON. */
export async function createPasskey(options: CreationOptionsJSON): Promise<RegistrationResponseJSON> {
  const credentials = page.navigator?.credentials;
  if (!webauthnAvailable() || !credentials) throw unavailable();
  let credential: unknown;
  try {
    credential = await credentials.create({ publicKey: creationOptions(options) });
  } catch (cause) {
    throw ceremonyFailed(cause);
  }
  if (!credential) throw ceremonyFailed(new Error("The browser created no credential."));
  return registrationJSON(credential as Credential);
}

/** Runs `navigator.credentials.get()` with the API's options; resolves the assertion as JSON. */
export async function usePasskey(options: RequestOptionsJSON): Promise<AuthenticationResponseJSON> {
  const credentials = page.navigator?.credentials;
  if (!webauthnAvailable() || !credentials) throw unavailable();
  let credential: unknown;
  try {
    credential = await credentials.get({ publicKey: requestOptions(options) });
  } catch (cause) {
    throw ceremonyFailed(cause);
  }
  if (!credential) throw ceremonyFailed(new Error("The browser gave no credential."));
  return authenticationJSON(credential as Credential);
}
