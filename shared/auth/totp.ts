import { createTOTPKeyURI, generateHOTP } from "@oslojs/otp";
import { generate } from "lean-qr";
import { toSvgSource } from "lean-qr/extras/svg";
import type { Config } from "../config";
import { aesKey, seal, unseal } from "../crypto";

/** RFC 6238 defaults every authenticator app understands: 30-second steps, 6 digits, SHA-1. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted on either side of the current one, for clock drift and typing time. */
const WINDOW_STEPS = 1;
/** 160 bits, the size RFC 4226 recommends for an HMAC-SHA-1 key. */
const SECRET_BYTES = 20;
/** What the authenticator app shows above the code. */
const ISSUER = "Music Producer Lab";
/** HKDF purpose of the key sealing TOTP secrets (MFA_ENCRYPTION_KEY may key other uses later). */
const SEAL_PURPOSE = "backline totp secret v1";

/** A new random TOTP secret. */
export function newTotpSecret(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
}

/** What the enrolment screen shows: the base32 secret to type in, its `otpauth://` URI and that URI as an SVG QR code. */
export function totpEnrolment(secret: Uint8Array, accountName: string) {
  const uri = createTOTPKeyURI(ISSUER, accountName, secret, TOTP_PERIOD_SECONDS, TOTP_DIGITS);
  const base32 = new URL(uri).searchParams.get("secret") ?? "";
  const qrSvg = toSvgSource(generate(uri), { on: "black", off: "white" });
  return { secret: base32, uri, qrSvg };
}

/** The TOTP secret sealed for storage, bound to its owner (a sealed secret copied to another account does not open). */
export async function sealTotpSecret(
  config: Config,
  userId: string,
  secret: Uint8Array<ArrayBuffer>,
): Promise<string> {
  return seal(await aesKey(config.MFA_ENCRYPTION_KEY, SEAL_PURPOSE), secret, userId);
}

/** The stored secret opened again; undefined if it does not authenticate (wrong key, tampered, moved). */
export async function openTotpSecret(config: Config, userId: string, sealed: string) {
  return unseal(await aesKey(config.MFA_ENCRYPTION_KEY, SEAL_PURPOSE), sealed, userId);
}

/** The 30-second step a time falls in. */
export function totpStep(nowMs = Date.now()): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

function sameCode(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * The step whose code `code` is, within ±1 step of now and newer than `lastUsedStep` (a code
 * already accepted, or one older than it, never passes again); undefined when none matches.
 */
export function matchTotp(
  secret: Uint8Array,
  code: string,
  lastUsedStep: number | null,
  nowMs = Date.now(),
): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const now = totpStep(nowMs);
  let matched: number | undefined;
  for (let step = now - WINDOW_STEPS; step <= now + WINDOW_STEPS; step++) {
    if (lastUsedStep !== null && step <= lastUsedStep) continue;
    // Every candidate is computed and compared, so the time taken says nothing about which matched.
    if (sameCode(generateHOTP(secret, BigInt(step), TOTP_DIGITS), code) && matched === undefined)
      matched = step;
  }
  return matched;
}
