/**
 * Stub passkeys (functions/auth/passkeys*.ts). The browser's real WebAuthn ceremony runs (the
 * services call navigator.credentials), with the page's host as the relying party; the stub
 * then checks what the API checks of the answer: the challenge it issued (single use, 5
 * minutes), the ceremony type, the page's origin, the relying party's hash, user presence and
 * verification, and for a sign-in the signature (ES256 or RS256) with the public key kept at
 * registration. Attestation is "none", as the API asks. The public key comes from the
 * browser's `toJSON()` (`response.publicKey`, WebAuthn L3): a browser without it cannot
 * register a passkey in stub mode (the stub does not decode CBOR attestation objects).
 */
import * as z from "zod";
import { passkeyProblems } from "../../../shared/auth/passkey-problems";
import type { PasskeyBackend } from "../backend-mfa";
import { type BacklineError, fromApiError, randomId } from "../errors";
import type {
  AuthenticationResponseJSON,
  CreationOptionsJSON,
  Passkey,
  RegistrationResponseJSON,
  RequestOptionsJSON,
} from "../mfa-types";
import type { User } from "../types";
import { fromBase64Url, toBase64Url } from "../webauthn";
import { openSession, startSession } from "./auth";
import { factorsOf, type StubPasskey, type StubWebauthnChallenge } from "./factors";
import { sendEmail } from "./mail";
import { validate } from "./problems";
import type { StubDb, StubWorld } from "./world";

/** At most this many passkeys per account (db/queries/passkeys.ts MAX_PASSKEYS_PER_USER). */
const MAX_PASSKEYS = 20;
const CHALLENGE_TTL_MS = 5 * 60_000;
/** COSE algorithms the API accepts: ES256 and RS256. */
const ES256 = -7;
const RS256 = -257;
/** authenticatorData flags: user present, user verified. */
const UP = 0x01;
const UV = 0x04;
/** Removing the last second factor needs one used this recently in the session (the API's FRESH_FACTOR_MINUTES). */
const FRESH_FACTOR_MS = 10 * 60_000;

const PasskeyName = z.string().trim().min(1).max(64);
const RenameBody = z.object({ name: PasskeyName }).strict();

/** The relying party: the page's host (WebAuthn takes no IP addresses: open the demo on localhost). */
export const relyingParty = (world: StubWorld) => new URL(world.origin).hostname;

/** The user handle an authenticator keeps with the credential: the user id's 16 bytes (as the API's). */
function userHandleOf(userId: string): string {
  const hex = userId.replace(/-/g, "");
  return toBase64Url(Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16)));
}

const toDto = (p: StubPasskey): Passkey => ({
  id: p.id,
  name: p.name,
  createdAt: p.createdAt,
  lastUsedAt: p.lastUsedAt,
});

const ownPasskeys = (db: StubDb, userId: string) =>
  Object.values(factorsOf(db).passkeys)
    .filter((k) => k.userId === userId)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));

/** A new WebAuthn challenge of this purpose (inside a transaction). */
function newChallenge(db: StubDb, record: Omit<StubWebauthnChallenge, "expiresAt">): string {
  const challenge = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  factorsOf(db).webauthn[challenge] = { ...record, expiresAt: Date.now() + CHALLENGE_TTL_MS };
  return challenge;
}

/** Assertion options for a passkey sign-in (no user yet) or second factor (the user's passkeys). */
export function issuePasskeyRequest(
  db: StubDb,
  record: Omit<StubWebauthnChallenge, "expiresAt">,
  rpId: string,
): RequestOptionsJSON {
  const allow = record.userId ? ownPasskeys(db, record.userId) : undefined;
  return {
    challenge: newChallenge(db, record),
    timeout: CHALLENGE_TTL_MS,
    rpId,
    ...(allow && {
      allowCredentials: allow.map((k) => ({ id: k.credentialId, type: "public-key" as const })),
    }),
    userVerification: "required",
  };
}

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
async function checkedRegistration(
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

/** Whether the signed-in session used a second factor in the last minutes (sign-in with a passkey or a code). */
function freshFactor(db: StubDb, sessionId: string | undefined): boolean {
  const at = sessionId ? factorsOf(db).freshSessions?.[sessionId] : undefined;
  return at !== undefined && Date.now() - at < FRESH_FACTOR_MS;
}

export function stubPasskeys(world: StubWorld): PasskeyBackend {
  return {
    passkeyCreationOptions() {
      const instance = "/api/auth/passkeys/options";
      return world.tx((db): CreationOptionsJSON => {
        const user = world.viewer(db, instance);
        if (ownPasskeys(db, user.id).length >= MAX_PASSKEYS)
          throw fromApiError(passkeyProblems.tooMany(), instance);
        return {
          rp: { id: relyingParty(world), name: "Music Producer Lab" },
          user: { id: userHandleOf(user.id), name: user.email, displayName: user.displayName },
          challenge: newChallenge(db, { purpose: "register", userId: user.id }),
          pubKeyCredParams: [ES256, RS256].map((alg) => ({ type: "public-key" as const, alg })),
          timeout: CHALLENGE_TTL_MS,
          excludeCredentials: ownPasskeys(db, user.id).map((k) => ({
            id: k.credentialId,
            type: "public-key",
          })),
          authenticatorSelection: {
            residentKey: "required",
            requireResidentKey: true,
            userVerification: "required",
          },
          attestation: "none",
          extensions: { credProps: true },
        };
      });
    },
    async registerPasskey(body) {
      const instance = "/api/auth/passkeys";
      const db = await world.read();
      const user = world.viewer(db, instance);
      const name = body.name === undefined ? undefined : validate(PasskeyName, body.name, instance, "name");
      const checked = await checkedRegistration(world, db, user.id, body.response, instance);
      return world.tx((db) => {
        const factors = factorsOf(db);
        if (!factors.webauthn[checked.challenge])
          throw fromApiError(passkeyProblems.challengeExpired(), instance);
        delete factors.webauthn[checked.challenge];
        if (Object.values(factors.passkeys).some((k) => k.credentialId === body.response.id))
          throw fromApiError(passkeyProblems.alreadyRegistered(), instance);
        const now = new Date().toISOString();
        const passkey: StubPasskey = {
          id: randomId(),
          userId: user.id,
          name: name ?? `Passkey ${now.slice(0, 10)}`,
          credentialId: body.response.id,
          publicKey: checked.publicKey,
          algorithm: checked.algorithm as number,
          signCount: 0,
          createdAt: now,
          lastUsedAt: null,
        };
        factors.passkeys[passkey.id] = passkey;
        sendEmail(db, user.email, {
          template: "passkey-added",
          displayName: user.displayName,
          name: passkey.name,
        });
        return toDto(passkey);
      });
    },
    async listPasskeys() {
      const db = await world.read();
      const user = world.viewer(db, "/api/auth/passkeys");
      return ownPasskeys(db, user.id).map(toDto);
    },
    renamePasskey(id, name) {
      const instance = `/api/auth/passkeys/${encodeURIComponent(id)}`;
      return world.tx((db) => {
        const user = world.viewer(db, instance);
        const input = validate(RenameBody, { name }, instance);
        const passkey = factorsOf(db).passkeys[id];
        if (!passkey || passkey.userId !== user.id) throw fromApiError(passkeyProblems.notFound(), instance);
        sendEmail(db, user.email, {
          template: "passkey-renamed",
          displayName: user.displayName,
          name: input.name,
          previousName: passkey.name,
        });
        passkey.name = input.name;
        return toDto(passkey);
      });
    },
    async deletePasskey(id) {
      const instance = `/api/auth/passkeys/${encodeURIComponent(id)}`;
      await world.tx((db) => {
        const user = world.viewer(db, instance);
        const factors = factorsOf(db);
        const passkey = factors.passkeys[id];
        if (!passkey || passkey.userId !== user.id) throw fromApiError(passkeyProblems.notFound(), instance);
        const otherFactor =
          Boolean(factors.totp[user.id]?.enabledAt) || ownPasskeys(db, user.id).some((k) => k.id !== id);
        if (!otherFactor && !freshFactor(db, world.current))
          throw fromApiError(passkeyProblems.lastFactor(), instance);
        delete factors.passkeys[id];
        sendEmail(db, user.email, {
          template: "passkey-removed",
          displayName: user.displayName,
          name: passkey.name,
        });
      });
    },
    passkeySignInOptions() {
      return world.tx((db) => issuePasskeyRequest(db, { purpose: "signin" }, relyingParty(world)));
    },
    async signInWithPasskey(response): Promise<User> {
      const instance = "/api/auth/passkeys/signin";
      const failed = () => fromApiError(passkeyProblems.signinFailed(), instance);
      const match = await verifyPasskeyAssertion(world, response, { purpose: "signin" }, failed);
      const session = await world.tx((db) => {
        const user = db.users[match.passkey.userId];
        if (!user || !match.commit(db)) throw failed();
        const id = openSession(db, user);
        markFresh(db, id);
        return { id, user };
      });
      return startSession(world, session);
    },
  };
}

/** Records that a session was opened with a second factor just now (for removing the last one). */
export function markFresh(db: StubDb, sessionId: string): void {
  const factors = factorsOf(db);
  factors.freshSessions ??= {};
  factors.freshSessions[sessionId] = Date.now();
}
