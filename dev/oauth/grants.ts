import { createHash, randomBytes } from "node:crypto";
import type { TestAccount } from "./accounts";

/** A registered client of a provider stand-in. */
export interface OAuthClient {
  id: string;
  secret: string;
}

/** What an authorization code was issued for. */
export interface Grant {
  clientId: string;
  redirectUri: string;
  account: TestAccount;
  codeChallenge?: string;
  nonce?: string;
  scope: string;
  expiresAt: number;
  /** Tests only: what to get wrong in the ID token this code yields (dev/oauth/google.ts). */
  idTokenFault?: string;
}

/** Authorization codes live this long (RFC 6749 recommends at most 10 minutes). */
const CODE_TTL_MS = 60_000;
const MAX_CODES = 10_000;

/** Why a code exchange was refused: the OAuth error code and its description. */
export type Refusal = { error: "invalid_grant" | "invalid_request"; description: string };

/**
 * Authorization codes and access tokens of one provider stand-in. Codes are single use: a
 * second exchange is refused, as at the real providers.
 */
export class Grants {
  private readonly codes = new Map<string, Grant & { used: boolean }>();
  private readonly tokens = new Map<string, TestAccount>();

  issueCode(grant: Omit<Grant, "expiresAt">): string {
    if (this.codes.size >= MAX_CODES) this.codes.clear();
    const code = randomBytes(20).toString("base64url");
    this.codes.set(code, { ...grant, expiresAt: Date.now() + CODE_TTL_MS, used: false });
    return code;
  }

  /** Redeems a code once: checks client, redirect URI, expiry and the PKCE verifier (S256). */
  redeem(
    code: string,
    request: { clientId: string; redirectUri?: string; codeVerifier?: string },
  ): Grant | Refusal {
    const grant = this.codes.get(code);
    if (!grant || grant.clientId !== request.clientId) return refusal("invalid_grant", "unknown code");
    if (grant.used) return refusal("invalid_grant", "code already used");
    grant.used = true;
    if (grant.expiresAt < Date.now()) return refusal("invalid_grant", "code expired");
    if (request.redirectUri !== undefined && request.redirectUri !== grant.redirectUri) {
      return refusal("invalid_grant", "redirect_uri does not match the authorization request");
    }
    if (grant.codeChallenge !== undefined) {
      if (!request.codeVerifier) return refusal("invalid_request", "code_verifier is missing");
      if (s256(request.codeVerifier) !== grant.codeChallenge) {
        return refusal("invalid_grant", "code_verifier does not match the code_challenge");
      }
    }
    return grant;
  }

  issueAccessToken(account: TestAccount): string {
    if (this.tokens.size >= MAX_CODES) this.tokens.clear();
    const token = randomBytes(20).toString("base64url");
    this.tokens.set(token, account);
    return token;
  }

  /** The account behind a Bearer token, if it is one this stand-in issued. */
  accountFor(authorization: string | undefined): TestAccount | undefined {
    const token = /^(?:Bearer|token) (\S+)$/i.exec(authorization ?? "")?.[1];
    return token ? this.tokens.get(token) : undefined;
  }
}

/** RFC 7636 S256: base64url(SHA-256(verifier)). */
export function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

export function isRefusal(value: Grant | Refusal): value is Refusal {
  return "error" in value;
}

function refusal(error: Refusal["error"], description: string): Refusal {
  return { error, description };
}

/** The client credentials of a token request: HTTP Basic, or client_id/client_secret in the form. */
export function clientCredentials(
  authorization: string | undefined,
  form: Record<string, string>,
): OAuthClient | undefined {
  const basic = /^Basic (\S+)$/i.exec(authorization ?? "")?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  }
  if (form.client_id && form.client_secret) return { id: form.client_id, secret: form.client_secret };
  return undefined;
}

/** Whether a string is an absolute http(s) URL (a redirect_uri the stand-in will send a browser to). */
export function isHttpUrl(value: string | undefined): value is string {
  if (!value || !URL.canParse(value)) return false;
  return ["http:", "https:"].includes(new URL(value).protocol);
}
