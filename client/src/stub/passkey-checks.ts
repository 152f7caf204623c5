/**
 * What the stub checks of a WebAuthn answer, as the API does (shared/auth/webauthn.ts): the
 * challenge it issued (single use, unexpired, of this ceremony), the ceremony type, the page's
 * origin, the relying party's hash, user presence and verification, and for an assertion the
 * ES256/RS256 signature and the counter. The public key comes from the browser
 * (`toJSON().response.publicKey`, or `getPublicKey()`): CBOR attestation objects are not decoded.
 */
import { passkeyProblems } from "../../../shared/auth/passkey-problems";
import { type BacklineError, fromApiError } from "../errors";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "../mfa-types";
import { fromBase64Url } from "../webauthn";
import { factorsOf, type StubPasskey } from "./factors";
import type { StubDb, StubWorld } from "./world";

/** COSE algorithms the API accepts: ES256 and RS256. */
export const ES256 = -7;
export const RS256 = -257;
/** authenticatorData flags: user present, user verified. */
const UP = 0x01;
const UV = 0x04;

/** The relying party: the page's host (WebAuthn takes no IP addresses: open the demo on localhost). */
export const relyingParty = (world: StubWorld) => new URL(world.origin).hostname;

interface ClientData {
  type?: string;
  challenge?: string;
  origin?: string;
}

function clientDataOf(encoded: string): ClientData {
  try {
    return JSON.parse(new TextDecoder().decode(fromBase64Url(encoded))) as ClientData;
  } catch {
    return {};
  }
}

async function sha256(data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(data)));
}

/** Whether authenticatorData names this relying party and says the user was present and verified. */
async function authenticatorDataOk(data: Uint8Array<ArrayBuffer>, rpId: string): Promise<boolean> {
  if (data.length < 37) return false;
  const rpHash = await sha256(new TextEncoder().encode(rpId));
  const flags = data[32] as number;
  return rpHash.every((b, i) => data[i] === b) && (flags & UP) !== 0 && (flags & UV) !== 0;
}

/** A DER ECDSA signature as the r‖s WebCrypto verifies (P-256: 32 bytes each). */
function derToRaw(der: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(64);
  let offset = 2;
  for (const half of [0, 1]) {
    const length = der[offset + 1] as number;
    let int = der.subarray(offset + 2, offset + 2 + length);
    while (int.length > 32 && int[0] === 0) int = int.subarray(1);
    out.set(int, half * 32 + 32 - int.length);
    offset += 2 + length;
  }
  return out;
}

async function signatureOk(passkey: StubPasskey, signed: Uint8Array<ArrayBuffer>, signature: Uint8Array) {
  const spki = fromBase64Url(passkey.publicKey);
  try {
    if (passkey.algorithm === ES256) {
      const key = await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, [
        "verify",
      ]);
      return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, derToRaw(signature), signed);
    }
    const key = await crypto.subtle.importKey(
      "spki",
      spki,
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      false,
      ["verify"],
    );
    return crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, new Uint8Array(signature), signed);
  } catch {
    return false;
  }
}

/** A checked assertion: its passkey, and the writes that spend it (false when spent meanwhile). */
export interface PasskeyMatch {
  passkey: StubPasskey;
  commit(db: StubDb): boolean;
}

/**
 * Checks an assertion against the challenge it answers (of `expected.purpose`; for a second
 * factor, issued for that sign-in challenge and naming one of the user's passkeys) and the
 * stored passkey. Any failure is `failed()`, as the API answers one problem whatever the reason.
 */
export async function verifyPasskeyAssertion(
  world: StubWorld,
  response: AuthenticationResponseJSON,
  expected: { purpose: "signin" | "mfa"; mfaChallenge?: string },
  failed: () => BacklineError,
): Promise<PasskeyMatch> {
  const db = await world.read();
  const factors = factorsOf(db);
  const clientData = clientDataOf(response?.response?.clientDataJSON ?? "");
  const issued = clientData.challenge ? factors.webauthn[clientData.challenge] : undefined;
  if (
    issued?.purpose !== expected.purpose ||
    issued.expiresAt <= Date.now() ||
    (expected.mfaChallenge !== undefined && issued.mfaChallenge !== expected.mfaChallenge)
  )
    throw failed();
  const passkey = Object.values(factors.passkeys).find((k) => k.credentialId === response.rawId);
  if (!passkey || clientData.type !== "webauthn.get" || clientData.origin !== world.origin) throw failed();
  if (issued.userId && passkey.userId !== issued.userId) throw failed();
  const data = fromBase64Url(response.response.authenticatorData);
  if (!(await authenticatorDataOk(data, relyingParty(world)))) throw failed();
  const clientHash = await sha256(fromBase64Url(response.response.clientDataJSON));
  const signed = new Uint8Array([...data, ...clientHash]);
  if (!(await signatureOk(passkey, signed, fromBase64Url(response.response.signature)))) throw failed();
  const signCount = new DataView(data.buffer).getUint32(33);
  if (signCount !== 0 && signCount <= passkey.signCount) throw failed();
  const challenge = clientData.challenge as string;
  return {
    passkey,
    commit(db) {
      const factors = factorsOf(db);
      const stored = factors.passkeys[passkey.id];
      if (!factors.webauthn[challenge] || !stored) return false;
      delete factors.webauthn[challenge];
      Object.assign(stored, { signCount, lastUsedAt: new Date().toISOString() });
      return true;
    },
  };
}

/** The checked public key of a registration response; the 400 problem when it does not check out. */
export async function checkedRegistration(
  world: StubWorld,
  db: StubDb,
  userId: string,
  response: RegistrationResponseJSON,
  instance: string,
) {
  const invalid = (detail: string) => fromApiError(passkeyProblems.invalidRegistration(detail), instance);
  const clientData = clientDataOf(response?.response?.clientDataJSON ?? "");
  const issued = clientData.challenge ? factorsOf(db).webauthn[clientData.challenge] : undefined;
  if (issued?.purpose !== "register" || issued.userId !== userId || issued.expiresAt <= Date.now())
    throw fromApiError(passkeyProblems.challengeExpired(), instance);
  if (clientData.type !== "webauthn.create" || clientData.origin !== world.origin)
    throw invalid("The response is not a registration for this site.");
  const { publicKey, publicKeyAlgorithm, authenticatorData } = response.response;
  if (!publicKey || !authenticatorData || (publicKeyAlgorithm !== ES256 && publicKeyAlgorithm !== RS256))
    throw invalid(
      "Stub mode needs the browser's public key (WebAuthn Level 3 toJSON) of an ES256 or RS256 passkey.",
    );
  if (!(await authenticatorDataOk(fromBase64Url(authenticatorData), relyingParty(world))))
    throw invalid("The authenticator did not verify the user for this site.");
  return { challenge: clientData.challenge as string, publicKey, algorithm: publicKeyAlgorithm };
}
