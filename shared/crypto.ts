import { scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import { fromBase64Url, toBase64Url } from "./base64url";

/**
 * Password hashing parameters: scrypt N=2^14, r=8, p=5, OWASP's equivalent of N=2^17 that
 * fits an isolate (16 MiB). workerd caps N·r·p at 2^20; this is 655,360.
 */
export const SCRYPT_PARAMS = { logN: 14, r: 8, p: 5, keyLength: 32, saltLength: 16 } as const;

const encoder = new TextEncoder();

function scrypt(password: string, salt: Uint8Array, logN: number, r: number, p: number, keyLength: number) {
  return new Promise<Buffer>((resolve, reject) => {
    scryptCallback(
      password.normalize("NFKC"),
      salt,
      keyLength,
      { N: 2 ** logN, r, p, maxmem: 64 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/**
 * Hashes a password into a self-describing string: `$scrypt$ln=14,r=8,p=5$<salt>$<hash>`.
 * `logN` is the production cost unless the config's local-only PASSWORD_HASH_COST lowers it
 * (the test suites hash hundreds of passwords: at ~0.2 s of CPU each, minutes of every run).
 */
export async function hashPassword(password: string, logN: number = SCRYPT_PARAMS.logN): Promise<string> {
  const { r, p, keyLength, saltLength } = SCRYPT_PARAMS;
  const salt = crypto.getRandomValues(new Uint8Array(saltLength));
  const key = await scrypt(password, salt, logN, r, p, keyLength);
  return `$scrypt$ln=${logN},r=${r},p=${p}$${toBase64Url(salt)}$${toBase64Url(key)}`;
}

export interface PasswordCheck {
  valid: boolean;
  /** True when the stored hash used other parameters than today's: rehash on sign-in. */
  needsRehash: boolean;
}

const HASH_FORMAT = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/;

/**
 * Checks a password against a stored hash in constant time, at the cost the hash names. It
 * needs a rehash when made with other parameters than today's: `logN` as `hashPassword` takes it.
 */
export async function verifyPassword(
  password: string,
  stored: string,
  logN: number = SCRYPT_PARAMS.logN,
): Promise<PasswordCheck> {
  const match = HASH_FORMAT.exec(stored);
  if (!match) return { valid: false, needsRehash: true };
  const [, hashLogN, r, p, salt, hash] = match as unknown as [string, string, string, string, string, string];
  const expected = fromBase64Url(hash);
  const actual = await scrypt(
    password,
    fromBase64Url(salt),
    Number(hashLogN),
    Number(r),
    Number(p),
    expected.length,
  );
  const valid = actual.length === expected.length && timingSafeEqual(actual, expected);
  const { r: wantR, p: wantP, keyLength } = SCRYPT_PARAMS;
  const needsRehash =
    Number(hashLogN) !== logN || Number(r) !== wantR || Number(p) !== wantP || expected.length !== keyLength;
  return { valid, needsRehash };
}

/** A random token of `bytes` bytes (default 256 bits), base64url. */
export function randomToken(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** SHA-256 of a string, base64url: how tokens are stored. */
/**
 * HMAC-SHA-256 keys by secret, imported once per isolate (a CryptoKey is stateless). Settled
 * values only, never a pending promise another request could be left waiting on; two requests
 * that miss at once both import, harmlessly.
 */
const hmacKeys = new Map<string, CryptoKey>();

/** The HMAC-SHA-256 key of a secret (sign and verify), from the per-isolate cache. */
export async function hmacKey(secret: string): Promise<CryptoKey> {
  const cached = hmacKeys.get(secret);
  if (cached) return cached;
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  hmacKeys.set(secret, key);
  return key;
}

export async function sha256(value: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value))));
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A random base62 id (unbiased: bytes ≥ 248 are drawn again); 16 characters ≈ 95 bits. */
export function randomBase62(length = 16): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** AES-256-GCM keys by secret and purpose, derived once per isolate (settled values only, like `hmacKeys`). */
const aesKeys = new Map<string, CryptoKey>();

/**
 * The AES-256-GCM key derived from a secret for one purpose (HKDF-SHA-256, the purpose as
 * `info`): one binding can key several uses without one ciphertext opening another's.
 */
export async function aesKey(secret: string, purpose: string): Promise<CryptoKey> {
  const slot = `${purpose}\u0000${secret}`;
  const cached = aesKeys.get(slot);
  if (cached) return cached;
  const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(purpose) },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  aesKeys.set(slot, key);
  return key;
}

const SEALED_VERSION = "v1";
const IV_BYTES = 12;

/**
 * Encrypts bytes with AES-GCM under a fresh 96-bit IV: `v1.<iv>.<ciphertext+tag>` (base64url).
 * `context` (e.g. the owner's id) is authenticated, not stored: a value moved to another row
 * does not open.
 */
export async function seal(
  key: CryptoKey,
  plaintext: Uint8Array<ArrayBuffer>,
  context: string,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
    key,
    plaintext,
  );
  return `${SEALED_VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/** Opens what `seal` made with the same key and context; undefined when it does not authenticate. */
export async function unseal(
  key: CryptoKey,
  sealed: string,
  context: string,
): Promise<Uint8Array | undefined> {
  const [version, iv, data] = sealed.split(".");
  if (version !== SEALED_VERSION || !iv || !data) return undefined;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: new Uint8Array(fromBase64Url(iv)), additionalData: encoder.encode(context) },
      key,
      new Uint8Array(fromBase64Url(data)),
    );
    return new Uint8Array(plain);
  } catch {
    return undefined;
  }
}
