import { createHash, createHmac } from "node:crypto";
import type { webhooks } from "../../shared/vendor/stripe";

type CryptoProvider = NonNullable<Parameters<typeof webhooks.constructEventAsync>[4]>;

function hmacSha256Hex(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(payload, "utf8").digest("hex");
}

/**
 * Stripe's crypto provider contract on `node:crypto` (nodejs_compat), as the SDK's own Node
 * provider computes it. The SDK's SubtleCryptoProvider imports the signing secret as a new
 * WebCrypto key on every delivery and signs through a promise job: about six times the CPU
 * of this HMAC in Node. Stripe's verifier keeps doing everything else (header parsing, the
 * 300 s tolerance, the timing-safe comparison of each `v1` signature).
 */
export const hmacProvider: CryptoProvider = {
  computeHMACSignature: hmacSha256Hex,
  computeHMACSignatureAsync: async (payload, secret) => hmacSha256Hex(payload, secret),
  computeSHA256Async: async (data) => new Uint8Array(createHash("sha256").update(data).digest()),
};
