/**
 * API key secrets, GitHub's token scheme: a prefix scanners can search for, the key's id, 28
 * random base62 characters (166 bits) and a CRC32 of the id and random part (6 base62
 * characters), so a scanner or the worker can tell a real-looking key from a typo without a
 * lookup. `bk_live_<id 16><random 28><crc 6>` in production, `bk_test_…` elsewhere.
 */

export type ApiKeyPrefix = "bk_live_" | "bk_test_";

const ID_LENGTH = 16;
const RANDOM_LENGTH = 28;
const CHECKSUM_LENGTH = 6;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SHAPE = new RegExp(
  `^(bk_live_|bk_test_)([0-9A-Za-z]{${ID_LENGTH}})([0-9A-Za-z]{${RANDOM_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);

/** The prefix of keys made in this environment: live keys only in production. */
export function apiKeyPrefixFor(appEnv: string): ApiKeyPrefix {
  return appEnv === "production" ? "bk_live_" : "bk_test_";
}

/** Whether a Bearer credential is meant as an API key (the access token, a JWT, never starts so). */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith("bk_");
}

let crcTable: Uint32Array | undefined;

function crc32(text: string): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++)
    crc = (crcTable[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC32 of the body, base62, left-padded to a fixed width (62^6 > 2^32). */
export function apiKeyChecksum(body: string): string {
  let value = crc32(body);
  let out = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** Random base62 characters (unbiased: bytes ≥ 248 are drawn again); Web Crypto only, so the SDK's stub can make keys too. */
function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** A new key id (16 base62 characters, 95 bits). */
export function newApiKeyId(): string {
  return randomBase62(ID_LENGTH);
}

/** A new secret for the key `id`, in the environment's prefix. */
export function newApiKeySecret(prefix: ApiKeyPrefix, id: string): string {
  const body = id + randomBase62(RANDOM_LENGTH);
  return prefix + body + apiKeyChecksum(body);
}

/** A presented key that has the right shape, checksum and environment; its id is read from it. */
export interface ParsedApiKey {
  id: string;
  secret: string;
}

/** Reads a presented key, or undefined when its shape, checksum or environment is wrong (no lookup needed). */
export function parseApiKey(secret: string, expected: ApiKeyPrefix): ParsedApiKey | undefined {
  const match = SHAPE.exec(secret);
  if (!match) return undefined;
  const [, prefix, id, random, checksum] = match as unknown as [string, string, string, string, string];
  if (prefix !== expected || apiKeyChecksum(id + random) !== checksum) return undefined;
  return { id, secret };
}
