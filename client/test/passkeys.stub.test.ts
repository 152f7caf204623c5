/**
 * Passkeys in stub mode through the SDK, with the software authenticator of the worker tests
 * (test/support/authenticator.ts: real P-256 keys, genuine authenticator data and signatures)
 * behind a stand-in `navigator.credentials`. The stand-in gives credentials without `toJSON()`
 * and there is no `PublicKeyCredential.parse…FromJSON`, so the SDK's base64url fallback runs.
 * Attacks (another key, another origin, a replayed assertion) fail as they do on the API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, PASSWORD, uniqueEmail } from "../../test/contract/helpers";
import {
  type AssertOptions,
  type CeremonyOptions,
  SoftAuthenticator,
} from "../../test/support/authenticator";
import {
  type Backline,
  createBackline,
  isMfaRequired,
  type KeyValueStorage,
  memoryStorage,
} from "../src/index";
import { stubBackend } from "../src/stub/backend";
import { fromBase64Url, toBase64Url } from "../src/webauthn";

const ORIGIN = "http://localhost:8788"; // the stub's origin outside a page
const P = "https://backline.dev/problems/";

const soft = new SoftAuthenticator();
/** What the next ceremony does differently (an attacker's knobs). */
let next: AssertOptions = {};

const buffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;

/** The authenticator data inside a "none" attestation object (its last CBOR byte string). */
function authDataOf(attestationObject: Uint8Array): Uint8Array {
  const key = new TextEncoder().encode("authData");
  const at = attestationObject.findIndex((_, i) => key.every((b, j) => attestationObject[i + j] === b));
  const start = at + key.length;
  const header = attestationObject[start] as number;
  const [length, skip] =
    header === 0x58
      ? [attestationObject[start + 1] as number, 2]
      : [((attestationObject[start + 1] as number) << 8) | (attestationObject[start + 2] as number), 3];
  return attestationObject.slice(start + skip, start + skip + length);
}

/** `navigator.credentials` over the software authenticator, taking and giving what a browser does. */
const credentials = {
  async create({ publicKey }: { publicKey: Record<string, unknown> }) {
    const options = publicKey as {
      rp: { id: string; name: string };
      user: { id: Uint8Array; name: string; displayName: string };
      challenge: Uint8Array;
    };
    const { response, credential } = await soft.register(
      {
        rp: options.rp,
        user: { ...options.user, id: toBase64Url(options.user.id) },
        challenge: toBase64Url(options.challenge),
      },
      { origin: ORIGIN, ...(next as CeremonyOptions) },
    );
    const attestation = fromBase64Url(response.response.attestationObject);
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", credential.keys.publicKey));
    return {
      id: response.id,
      rawId: buffer(fromBase64Url(response.rawId)),
      type: "public-key",
      authenticatorAttachment: "platform",
      response: {
        clientDataJSON: buffer(fromBase64Url(response.response.clientDataJSON)),
        attestationObject: buffer(attestation),
        getTransports: () => ["internal"],
        getPublicKey: () => buffer(spki),
        getPublicKeyAlgorithm: () => -7,
        getAuthenticatorData: () => buffer(authDataOf(attestation)),
      },
      getClientExtensionResults: () => ({}),
    };
  },
  async get({ publicKey }: { publicKey: Record<string, unknown> }) {
    const options = publicKey as {
      challenge: Uint8Array;
      rpId: string;
      allowCredentials?: { id: Uint8Array }[];
    };
    const assertion = await soft.assert(
      {
        challenge: toBase64Url(options.challenge),
        rpId: options.rpId,
        ...(options.allowCredentials && {
          allowCredentials: options.allowCredentials.map((d) => ({ id: toBase64Url(d.id) })),
        }),
      },
      { origin: ORIGIN, ...next },
    );
    last = assertion;
    return {
      id: assertion.id,
      rawId: buffer(fromBase64Url(assertion.rawId)),
      type: "public-key",
      authenticatorAttachment: "platform",
      response: {
        clientDataJSON: buffer(fromBase64Url(assertion.response.clientDataJSON)),
        authenticatorData: buffer(fromBase64Url(assertion.response.authenticatorData)),
        signature: buffer(fromBase64Url(assertion.response.signature)),
        userHandle: buffer(fromBase64Url(assertion.response.userHandle)),
      },
      getClientExtensionResults: () => ({}),
    };
  },
};
let last: Awaited<ReturnType<SoftAuthenticator["assert"]>> | undefined;

const page = globalThis as unknown as { PublicKeyCredential?: unknown };
beforeAll(() => {
  page.PublicKeyCredential = {};
  Object.defineProperty(globalThis.navigator, "credentials", { value: credentials, configurable: true });
});
afterAll(() => {
  delete page.PublicKeyCredential;
  Reflect.deleteProperty(globalThis.navigator, "credentials");
});

async function withPasskey(): Promise<{ client: Backline; email: string; world: KeyValueStorage }> {
  next = {};
  const world = memoryStorage();
  const client = createBackline({ mode: "stub", storage: memoryStorage(), stubStorage: world });
  const email = uniqueEmail("passkey");
  await client.auth.signUp({ email, password: PASSWORD, displayName: "Ada" });
  const passkey = await client.passkeys.register("Laptop", PASSWORD);
  expect(passkey).toMatchObject({ name: "Laptop", lastUsedAt: null });
  return { client, email, world };
}

describe("stub passkeys", () => {
  it("registers, lists, renames a passkey and emails about it", async () => {
    const { client, email } = await withPasskey();
    expect(client.passkeys.isSupported()).toBe(true);
    const [listed] = await client.passkeys.list();
    expect(listed?.name).toBe("Laptop");
    const renamed = await client.passkeys.rename(listed?.id as string, "  Work laptop ");
    expect(renamed.name).toBe("Work laptop");
    // Adding one asks for the password again, as the API does.
    expect((await failure(client.passkeys.register("Phone"))).status).toBe(400);
    expect((await failure(client.passkeys.register("Phone", "not my password"))).status).toBe(401);
    const unnamed = await client.passkeys.register(undefined, PASSWORD);
    expect(unnamed.name).toMatch(/^Passkey \d{4}-\d{2}-\d{2}$/);
    const templates = (await client.readStubMailbox(email)).map((m) => m.template);
    expect(templates).toEqual(expect.arrayContaining(["passkey-added", "passkey-renamed"]));
  });

  it("signs in with the passkey and no password; another key, another origin or a replay fail", async () => {
    const { client, email, world } = await withPasskey();
    await client.auth.signOut();
    const user = await client.auth.signInWithPasskey();
    expect(user.email).toBe(email);
    expect(client.auth.getAuthState().signedIn).toBe(true);
    await client.auth.signOut();

    const forger = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
    for (const attack of [
      { signWith: forger.privateKey },
      { origin: "https://evil.example" },
      { userVerified: false },
    ]) {
      next = attack;
      const error = await failure(client.auth.signInWithPasskey());
      expect([error.status, error.type]).toEqual([401, `${P}passkey-signin-failed`]);
    }
    next = {};
    await client.auth.signInWithPasskey();
    await client.auth.signOut();
    // The assertion just accepted, sent again (by another browser): its challenge is spent.
    const replay = await failure(stubBackend(world, memoryStorage()).signInWithPasskey(last as never));
    expect([replay.status, replay.type]).toEqual([401, `${P}passkey-signin-failed`]);
    expect(client.auth.getAuthState().signedIn).toBe(false);
  });

  it("turns two-step sign-in on: the password step asks for the passkey, which completes it", async () => {
    const { client, email } = await withPasskey();
    await client.auth.signOut();
    const error = await failure(client.auth.signIn({ email, password: PASSWORD }));
    if (!isMfaRequired(error)) throw error;
    expect(error.problem.factors).toEqual(["passkey"]);
    const wrongCode = await failure(
      client.auth.completeSignIn({ challenge: error.problem.challenge, code: "123456" }),
    );
    expect(wrongCode.type).toBe(`${P}mfa-invalid-code`);
    const user = await client.auth.completeSignIn({ challenge: error.problem.challenge, passkey: true });
    expect(user.email).toBe(email);
    const used = await failure(
      client.auth.completeSignIn({ challenge: error.problem.challenge, passkey: true }),
    );
    expect(used.type).toBe(`${P}mfa-invalid-challenge`);
    expect((await client.readStubMailbox(email)).map((m) => m.template)).toContain("passkey-second-factor");
  });

  it("says so when the person cancels the browser's prompt", async () => {
    const { client } = await withPasskey();
    await client.auth.signOut();
    const original = credentials.get;
    credentials.get = () =>
      Promise.reject(
        new DOMException("The operation either timed out or was not allowed.", "NotAllowedError"),
      );
    try {
      const error = await failure(client.auth.signInWithPasskey());
      expect([error.status, error.type, error.problem.name]).toEqual([
        400,
        `${P}webauthn-cancelled`,
        "NotAllowedError",
      ]);
    } finally {
      credentials.get = original;
    }
    expect(client.auth.getAuthState().signedIn).toBe(false);
  });

  it("removes the last passkey only from a session that used a second factor just now", async () => {
    const { client } = await withPasskey();
    const [passkey] = await client.passkeys.list();
    const stale = await failure(client.passkeys.remove(passkey?.id as string));
    expect([stale.status, stale.type]).toEqual([403, `${P}mfa-fresh-factor-required`]);
    await client.auth.signOut();
    await client.auth.signInWithPasskey();
    await client.passkeys.remove(passkey?.id as string);
    expect(await client.passkeys.list()).toEqual([]);
    const gone = await failure(client.passkeys.rename(passkey?.id as string, "x"));
    expect([gone.status, gone.type]).toEqual([404, `${P}passkey-not-found`]);
  });
});
