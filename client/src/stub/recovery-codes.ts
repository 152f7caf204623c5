/**
 * Stub recovery codes, as the API makes and reads them (shared/auth/recovery-codes.ts, which a browser
 * bundle cannot import: it brings node:crypto): 10 codes of 16 letters of a look-alike-free
 * alphabet, shown in groups of four; typed in any case, with or without dashes and spaces.
 */
import { sha256Hex } from "./mail";

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = "23456789abcdefghjkmnpqrstvwxyz";

export const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, "");

export function looksLikeRecoveryCode(code: string): boolean {
  const normalized = normalizeRecoveryCode(code);
  return normalized.length === 16 && [...normalized].every((ch) => ALPHABET.includes(ch));
}

function newRecoveryCode(): string {
  let out = "";
  while (out.length < 16) {
    for (const byte of crypto.getRandomValues(new Uint8Array(32)))
      if (byte < 240 && out.length < 16) out += ALPHABET[byte % ALPHABET.length];
  }
  return out.match(/.{4}/g)?.join("-") ?? out;
}

/** The stored form of a code (the stub keeps SHA-256, the API an HMAC under MFA_ENCRYPTION_KEY). */
export const hashRecoveryCode = (code: string) => sha256Hex(`recovery:${normalizeRecoveryCode(code)}`);

/** A new set of codes and their hashes. */
export async function newRecoveryCodes() {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  return { codes, hashes: await Promise.all(codes.map(hashRecoveryCode)) };
}
