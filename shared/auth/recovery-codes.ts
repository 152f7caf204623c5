import { toBase64Url } from "../base64url";
import type { Config } from "../config";
import { hmacKey } from "../crypto";

/** How many recovery codes an account gets at a time. */
export const RECOVERY_CODE_COUNT = 10;

/** Crockford-style base32 without look-alikes: no 0/o, 1/i/l, u. */
const ALPHABET = "23456789abcdefghjkmnpqrstvwxyz";
/** 16 characters of a 30-letter alphabet: about 78 bits, beyond guessing even offline. */
const CODE_LENGTH = 16;

/** A code as it is typed: lowercase, without the dashes and spaces it is shown with. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, "");
}

/** Whether an entered code has the shape of a recovery code (rather than a TOTP code). */
export function looksLikeRecoveryCode(code: string): boolean {
  const normalized = normalizeRecoveryCode(code);
  return normalized.length === CODE_LENGTH && [...normalized].every((ch) => ALPHABET.includes(ch));
}

function randomCode(): string {
  let out = "";
  while (out.length < CODE_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(CODE_LENGTH * 2))) {
      // 240 = 8 * 30: bytes above it are drawn again, so every letter is equally likely.
      if (byte < 240 && out.length < CODE_LENGTH) out += ALPHABET[byte % ALPHABET.length];
    }
  }
  return out.match(/.{4}/g)?.join("-") ?? out;
}

/**
 * The stored form of a recovery code: HMAC-SHA-256 under MFA_ENCRYPTION_KEY, so a leaked
 * table alone cannot be checked against guesses.
 */
export async function hashRecoveryCode(config: Config, code: string): Promise<string> {
  const key = await hmacKey(config.MFA_ENCRYPTION_KEY);
  const data = new TextEncoder().encode(`backline recovery code:${normalizeRecoveryCode(code)}`);
  return toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", key, data)));
}

/** A new set of recovery codes (shown once, formatted `xxxx-xxxx-xxxx-xxxx`) and their hashes. */
export async function newRecoveryCodes(config: Config) {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, randomCode);
  const hashes = await Promise.all(codes.map((code) => hashRecoveryCode(config, code)));
  return { codes, hashes };
}
