/**
 * RFC 6238 TOTP with WebCrypto (HMAC-SHA-1, 30-second steps, 6 digits: what every
 * authenticator app does), so a real app works against the stub; and the enrolment the API
 * shows (shared/auth/totp.ts): the base32 secret, its otpauth:// URI and the URI as an SVG QR code.
 */
import { generate } from "lean-qr";
import { toSvgSource } from "lean-qr/extras/svg";

/** The API's TOTP parameters (shared/auth/totp.ts, which a browser bundle cannot import: it brings node:crypto). */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** The API's issuer name (shared/auth/totp.ts ISSUER): what the app shows above the code. */
const ISSUER = "Music Producer Lab";
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 without padding, as otpauth:// URIs carry secrets. */
export function toBase32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function fromBase32(text: string): Uint8Array<ArrayBuffer> {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text.toUpperCase().replace(/=+$/, "")) {
    const index = BASE32.indexOf(ch);
    if (index < 0) throw new TypeError("not base32");
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** The RFC 4226 code of one counter value (the TOTP step). */
export async function hotp(secret: Uint8Array<ArrayBuffer>, counter: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const message = new DataView(new ArrayBuffer(8));
  message.setBigUint64(0, BigInt(counter));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message.buffer));
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = new DataView(mac.buffer).getUint32(offset) & 0x7fffffff;
  return String(binary % 10 ** TOTP_DIGITS).padStart(TOTP_DIGITS, "0");
}

/** The 30-second step a time falls in. */
export function totpStep(nowMs = Date.now()): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/**
 * The step whose code `code` is, within ±1 step of now and newer than `lastUsedStep` (a code
 * already accepted, or an older one, never passes again), as the API's matchTotp.
 */
export async function matchTotp(
  secret: Uint8Array<ArrayBuffer>,
  code: string,
  lastUsedStep: number | null,
): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const now = totpStep();
  for (let step = now - 1; step <= now + 1; step++) {
    if (lastUsedStep !== null && step <= lastUsedStep) continue;
    if ((await hotp(secret, step)) === code) return step;
  }
  return undefined;
}

/** What the enrolment screen shows, as the API builds it (the same URI as @oslojs/otp's createTOTPKeyURI). */
export function totpEnrolment(secret: Uint8Array, accountName: string) {
  const base32 = toBase32(secret);
  const params = new URLSearchParams({
    issuer: ISSUER,
    algorithm: "SHA1",
    secret: base32,
    period: String(TOTP_PERIOD_SECONDS),
    digits: String(TOTP_DIGITS),
  });
  const uri = `otpauth://totp/${encodeURIComponent(ISSUER)}:${encodeURIComponent(accountName)}?${params}`;
  return { secret: base32, uri, qrSvg: toSvgSource(generate(uri), { on: "black", off: "white" }) };
}
