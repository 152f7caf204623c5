import type { Role, Tier } from "../../db/schema/users";
import { fromBase64Url, toBase64Url } from "../base64url";
import { hmacKey, sha256 } from "../crypto";

/** Access tokens live 15 minutes; a revoked session's tokens are refused through Redis meanwhile. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** The claims Backline puts in an access token. */
export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  tier: Tier;
  email_verified: boolean;
  iat: number;
  nbf: number;
  exp: number;
}

/** Whether a token's holder may open premium lessons: premium members, and admins (who edit them). */
export function unlocksPremium(claims: Pick<AccessClaims, "role" | "tier"> | undefined): boolean {
  return claims?.tier === "premium" || claims?.role === "admin";
}

/** A secret's HS256 key, imported once, and its key id. */
type SigningKey = { kid: string; key: CryptoKey };

const HS256 = { name: "HMAC", hash: "SHA-256" } as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Keys and key ids by secret, per isolate (the key itself from shared/crypto.ts `hmacKey`). */
const signingKeys = new Map<string, SigningKey>();

/** The key of a secret, and its id: a short hash, so a rotated-out secret can still be picked by `kid`. */
async function signingKey(secret: string): Promise<SigningKey> {
  const cached = signingKeys.get(secret);
  if (cached) return cached;
  const [hash, key] = await Promise.all([sha256(`backline-jwt:${secret}`), hmacKey(secret)]);
  const entry = { kid: hash.slice(0, 12), key };
  signingKeys.set(secret, entry);
  return entry;
}

function encodePart(value: unknown): string {
  return toBase64Url(encoder.encode(JSON.stringify(value)));
}

/** Signs an HS256 access token with the current secret, `kid` in the header. */
export async function signAccessToken(
  claims: Omit<AccessClaims, "iat" | "nbf" | "exp">,
  secret: string,
  now = Math.floor(Date.now() / 1000),
): Promise<string> {
  const { kid, key } = await signingKey(secret);
  const payload: AccessClaims = { ...claims, iat: now, nbf: now, exp: now + ACCESS_TOKEN_TTL_SECONDS };
  const signed = `${encodePart({ alg: "HS256", typ: "JWT", kid })}.${encodePart(payload)}`;
  const signature = await crypto.subtle.sign(HS256, key, encoder.encode(signed));
  return `${signed}.${toBase64Url(new Uint8Array(signature))}`;
}

const PART = /^[A-Za-z0-9_-]+$/;

function decodePart(part: string): unknown {
  return JSON.parse(decoder.decode(fromBase64Url(part)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `typ` absent or JWT (RFC 7519 §5.1), and no `crit` extensions we would have to understand. */
function isAcceptedHeader(header: Record<string, unknown>): boolean {
  const typ = header.typ;
  const typOk =
    typ === undefined ||
    (typeof typ === "string" && typ.toLowerCase().replace(/^application\//, "") === "jwt");
  return header.alg === "HS256" && typOk && !("crit" in header);
}

/** A NumericDate claim that is present and finite. */
const isTime = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** How many verified tokens an isolate remembers per secret pair (a few hundred KB at most). */
const VERIFIED_TOKENS_KEPT = 1024;

/**
 * Tokens already verified in this isolate, per secret pair, oldest first: a client sends the
 * same token on every request for up to 15 minutes, and a hit skips the decode and the HMAC.
 * Keyed by the secrets too, so a secret dropped from rotation stops its tokens at once.
 */
const verifiedTokens = new Map<string, Map<string, AccessClaims>>();

function verifiedUnder(secrets: { current: string; previous?: string }): Map<string, AccessClaims> {
  const key = secrets.previous ? `${secrets.current}\n${secrets.previous}` : secrets.current;
  let tokens = verifiedTokens.get(key);
  if (!tokens) {
    tokens = new Map();
    verifiedTokens.set(key, tokens);
  }
  return tokens;
}

function remember(tokens: Map<string, AccessClaims>, token: string, claims: AccessClaims): void {
  if (tokens.size >= VERIFIED_TOKENS_KEPT) tokens.delete(tokens.keys().next().value as string);
  tokens.set(token, claims);
}

/** `exp` not reached, and `nbf` and `iat` not in the future. */
const isCurrent = (claims: AccessClaims, now: number) =>
  claims.nbf <= now && claims.exp > now && claims.iat <= now;

/**
 * Verifies an access token against the current secret or, during rotation, the previous
 * one (picked by `kid`). Only HS256 is accepted; `exp`, `nbf` and `iat` are required
 * (`nbf` and `iat` not in the future, `exp` not reached). The token is decoded once, each
 * secret's key imported once per isolate, and a token verified before is only checked for
 * time. Returns null for any token that is not valid, without saying why.
 */
export async function verifyAccessToken(
  token: string,
  secrets: { current: string; previous?: string },
  now = Math.floor(Date.now() / 1000),
): Promise<AccessClaims | null> {
  const tokens = verifiedUnder(secrets);
  const known = tokens.get(token);
  if (known) return isCurrent(known, now) ? known : null;
  const claims = await verifySignedToken(token, secrets, now);
  if (claims) remember(tokens, token, claims);
  return claims;
}

async function verifySignedToken(
  token: string,
  secrets: { current: string; previous?: string },
  now: number,
): Promise<AccessClaims | null> {
  try {
    const parts = token.split(".");
    if (parts.length !== 3) return null;
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    if (!PART.test(headerPart) || !PART.test(payloadPart) || !PART.test(signaturePart)) return null;
    const header = decodePart(headerPart);
    if (!isRecord(header) || !isAcceptedHeader(header)) return null;
    const payload = decodePart(payloadPart);
    if (!isRecord(payload) || !isAccessClaims(payload) || !isCurrent(payload, now)) return null;
    const candidates = [secrets.current, ...(secrets.previous ? [secrets.previous] : [])];
    let key: SigningKey | undefined;
    for (const secret of candidates) {
      const candidate = await signingKey(secret);
      if (candidate.kid === header.kid) {
        key = candidate;
        break;
      }
    }
    if (!key) return null;
    const valid = await crypto.subtle.verify(
      HS256,
      key.key,
      fromBase64Url(signaturePart),
      encoder.encode(`${headerPart}.${payloadPart}`),
    );
    // Frozen: the same claims object serves every later request that sends this token.
    return valid ? Object.freeze(payload) : null;
  } catch {
    return null;
  }
}

function isAccessClaims(payload: Record<string, unknown>): payload is AccessClaims & Record<string, unknown> {
  return (
    typeof payload.sub === "string" &&
    typeof payload.sid === "string" &&
    typeof payload.role === "string" &&
    typeof payload.tier === "string" &&
    typeof payload.email_verified === "boolean" &&
    isTime(payload.exp) &&
    isTime(payload.nbf) &&
    isTime(payload.iat)
  );
}
