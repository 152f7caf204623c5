import { fromBase64Url } from "../base64url";

/** What the callback needs to check an OpenID Connect ID token. */
export interface IdTokenExpectations {
  jwksUrl: string;
  /** Accepted `iss` values (Google uses two spellings). */
  issuers: readonly string[];
  /** Our client id. */
  audience: string;
  /** The nonce this sign-in sent. */
  nonce: string;
}

/** The claims of a verified ID token that sign-in uses. */
export interface IdTokenClaims {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/** Why an ID token was refused (logged, never shown: the user gets one problem type). */
export class IdTokenError extends Error {
  override readonly name = "IdTokenError";
}

/** A JWKS fetch failed: the provider, not the token, is at fault. */
export class JwksUnavailableError extends Error {
  override readonly name = "JwksUnavailableError";
}

const CLOCK_SKEW_SECONDS = 60;
const JWKS_TTL_MS = 60 * 60 * 1000;
const decoder = new TextDecoder();

/**
 * Imported signing keys per JWKS URL, kept per isolate for an hour: CryptoKeys are stateless,
 * so sharing them across requests is safe; an unknown `kid` refetches (the provider rotated).
 */
const keySets = new Map<string, { keys: Map<string, CryptoKey>; until: number }>();

/** Verifies an RS256 ID token: signature by a key of the provider's JWKS, then iss, aud, exp and nonce. */
export async function verifyIdToken(token: string, expected: IdTokenExpectations): Promise<IdTokenClaims> {
  const [headerPart, payloadPart, signaturePart] = token.split(".");
  if (!headerPart || !payloadPart || !signaturePart) throw new IdTokenError("not a JWS compact token");
  const header = decodePart(headerPart);
  if (header.alg !== "RS256" || typeof header.kid !== "string")
    throw new IdTokenError("not RS256 with a kid");
  const key = await signingKey(expected.jwksUrl, header.kid);
  const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
  const valid = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, bytesOf(signaturePart), signed);
  if (!valid) throw new IdTokenError("bad signature");
  const claims = decodePart(payloadPart);
  checkClaims(claims, expected);
  return claims as unknown as IdTokenClaims;
}

function checkClaims(claims: Record<string, unknown>, expected: IdTokenExpectations): void {
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.iss !== "string" || !expected.issuers.includes(claims.iss)) throw new IdTokenError("iss");
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(expected.audience)) throw new IdTokenError("aud");
  if (typeof claims.exp !== "number" || claims.exp + CLOCK_SKEW_SECONDS < now) throw new IdTokenError("exp");
  if (typeof claims.iat === "number" && claims.iat - CLOCK_SKEW_SECONDS > now) throw new IdTokenError("iat");
  if (claims.nonce !== expected.nonce) throw new IdTokenError("nonce");
  if (typeof claims.sub !== "string" || claims.sub === "") throw new IdTokenError("sub");
}

function bytesOf(part: string): Uint8Array<ArrayBuffer> {
  try {
    return fromBase64Url(part) as Uint8Array<ArrayBuffer>;
  } catch {
    throw new IdTokenError("not base64url");
  }
}

function decodePart(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(decoder.decode(bytesOf(part)));
    if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  } catch {
    // Falls through to the refusal below.
  }
  throw new IdTokenError("undecodable part");
}

async function signingKey(jwksUrl: string, kid: string): Promise<CryptoKey> {
  const cached = keySets.get(jwksUrl);
  const fresh = cached && cached.until > Date.now() ? cached.keys : undefined;
  const known = fresh?.get(kid);
  if (known) return known;
  const keys = await fetchKeys(jwksUrl);
  keySets.set(jwksUrl, { keys, until: Date.now() + JWKS_TTL_MS });
  const key = keys.get(kid);
  if (!key) throw new IdTokenError("unknown kid");
  return key;
}

async function fetchKeys(jwksUrl: string): Promise<Map<string, CryptoKey>> {
  let body: unknown;
  try {
    const res = await fetch(jwksUrl, { headers: { Accept: "application/json" } });
    if (!res.ok) throw new JwksUnavailableError(`JWKS answered ${res.status}`);
    body = await res.json();
  } catch (error) {
    if (error instanceof JwksUnavailableError) throw error;
    throw new JwksUnavailableError("JWKS unreachable", { cause: error });
  }
  const jwks = (body as { keys?: unknown }).keys;
  if (!Array.isArray(jwks)) throw new JwksUnavailableError("JWKS without keys");
  const keys = new Map<string, CryptoKey>();
  for (const jwk of jwks as (JsonWebKey & { kid?: string })[]) {
    if (jwk.kty !== "RSA" || !jwk.kid || (jwk.alg !== undefined && jwk.alg !== "RS256")) continue;
    const { kid, ...material } = jwk;
    keys.set(
      kid,
      await crypto.subtle.importKey(
        "jwk",
        { kty: "RSA", n: material.n, e: material.e },
        { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
        false,
        ["verify"],
      ),
    );
  }
  return keys;
}
