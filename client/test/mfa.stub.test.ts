/**
 * Second factors in stub mode, through the SDK's public surface: the authenticator app set up
 * and used with codes computed here by @oslojs/otp (an independent RFC 6238 implementation, as
 * a real app would), recovery codes, the sign-in challenge and its problems, and the emails.
 */
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { looksLikeRecoveryCode as serverLooksLikeRecoveryCode } from "../../shared/auth/recovery-codes";
import { totpEnrolment as serverEnrolment } from "../../shared/auth/totp";
import { failure, PASSWORD, uniqueEmail } from "../../test/contract/helpers";
import { type Backline, createBackline, isMfaRequired, MFA_REQUIRED, memoryStorage } from "../src/index";
import { BacklineError as FactoryBacklineError, ServiceFactory } from "../src/service-factory/index";
import { mfaStatusOf, type StubPasskey } from "../src/stub/factors";
import { hotp } from "../src/stub/totp";
import type { StubDb } from "../src/stub/world";

const P = "https://backline.dev/problems/";
const START = Date.UTC(2026, 10, 27, 12, 0, 10);

/** The app's code `steps` 30-second steps from now. */
function codeOf(secret: string, steps = 0): string {
  const step = Math.floor(Date.now() / 30_000) + steps;
  return generateHOTP(decodeBase32IgnorePadding(secret), BigInt(step), 6);
}

const later = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

async function signedUpWithApp(): Promise<{
  client: Backline;
  email: string;
  secret: string;
  codes: string[];
}> {
  const client = createBackline({ mode: "stub", storage: memoryStorage(), stubStorage: memoryStorage() });
  const email = uniqueEmail("mfa");
  await client.auth.signUp({ email, password: PASSWORD, displayName: "Ada" });
  const { secret } = await client.mfa.enrollTotp(PASSWORD);
  const codes = await client.mfa.verifyTotp(codeOf(secret));
  return { client, email, secret, codes };
}

/** Signs out and in with the password: the challenge sign-in rejects with. */
async function passwordStep(client: Backline, email: string) {
  await client.auth.signOut();
  const error = await failure(client.auth.signIn({ email, password: PASSWORD }));
  if (!isMfaRequired(error)) throw error;
  return error.problem;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(START);
});
afterEach(() => vi.useRealTimers());

const OFF = { totp: { enabled: false, enabledAt: null }, recoveryCodesLeft: 0, passkeys: 0 };

describe("stub mfa.status()", () => {
  it("follows the app from off, through a set-up not yet verified, to on with 10 codes, 9, and off", async () => {
    const client = createBackline({ mode: "stub", storage: memoryStorage(), stubStorage: memoryStorage() });
    const email = uniqueEmail("status");
    await client.auth.signUp({ email, password: PASSWORD, displayName: "Ada" });
    expect(await client.mfa.status()).toEqual(OFF);
    const { secret } = await client.mfa.enrollTotp(PASSWORD);
    expect(await client.mfa.status()).toEqual(OFF);

    const codes = await client.mfa.verifyTotp(codeOf(secret));
    expect(await client.mfa.status()).toEqual({
      totp: { enabled: true, enabledAt: new Date(START).toISOString() },
      recoveryCodesLeft: 10,
      passkeys: 0,
    });

    const problem = await passwordStep(client, email);
    await client.auth.completeSignIn({ challenge: problem.challenge, code: codes[0] as string });
    expect((await client.mfa.status()).recoveryCodesLeft).toBe(9);

    await client.mfa.disableTotp(codes[1] as string);
    expect(await client.mfa.status()).toEqual(OFF);

    await client.auth.signOut();
    const signedOut = await failure(client.mfa.status());
    expect([signedOut.status, signedOut.instance]).toEqual([401, "/api/auth/mfa"]);
  });

  it("counts only the user's own passkeys", () => {
    const passkey = (id: string, userId: string) => ({ id, userId }) as StubPasskey;
    const db = {
      factors: {
        totp: {},
        recoveryCodes: {},
        challenges: {},
        webauthn: {},
        passkeys: { a: passkey("a", "ada"), b: passkey("b", "ada"), c: passkey("c", "bob") },
      },
    } as unknown as StubDb;
    expect(mfaStatusOf(db, "ada")).toEqual({ ...OFF, passkeys: 2 });
    expect(mfaStatusOf(db, "eve")).toEqual(OFF);
  });
});

describe("stub TOTP", () => {
  it("computes RFC 4226's test vectors with WebCrypto", async () => {
    const secret = new TextEncoder().encode("12345678901234567890");
    expect(await Promise.all([0, 1, 9].map((counter) => hotp(secret, counter)))).toEqual([
      "755224",
      "287082",
      "520489",
    ]);
  });

  it("sets up an authenticator app: secret, otpauth URI and QR code, then 10 recovery codes for a first code", async () => {
    const client = createBackline({ mode: "stub", storage: memoryStorage(), stubStorage: memoryStorage() });
    const email = uniqueEmail("enrol");
    await client.auth.signUp({ email, password: PASSWORD, displayName: "Ada" });
    const wrong = await failure(client.mfa.enrollTotp("not my password"));
    expect([wrong.status, wrong.type, wrong.detail]).toEqual([
      401,
      `${P}invalid-credentials`,
      "The password is wrong.",
    ]);

    const enrolment = await client.mfa.enrollTotp(PASSWORD);
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    // Exactly what the API shows for the same secret (shared/auth/totp.ts, on @oslojs/otp and lean-qr).
    expect(enrolment).toEqual(serverEnrolment(decodeBase32IgnorePadding(enrolment.secret), email));
    expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\/Music%20Producer%20Lab:/);
    expect(enrolment.qrSvg).toMatch(/^<svg/);

    const badCode = await failure(client.mfa.verifyTotp("000000"));
    expect([badCode.status, badCode.type]).toEqual([401, `${P}mfa-invalid-code`]);
    const codes = await client.mfa.verifyTotp(codeOf(enrolment.secret));
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[2-9a-hjkmnp-tv-z]{4}(-[2-9a-hjkmnp-tv-z]{4}){3}$/);
    expect(new Set(codes).size).toBe(10);
    // Codes the API itself would take for recovery codes (shared/auth/recovery-codes.ts).
    expect(codes.every(serverLooksLikeRecoveryCode)).toBe(true);

    const again = await failure(client.mfa.enrollTotp(PASSWORD));
    expect([again.status, again.title]).toEqual([409, "An authenticator app is already set up"]);
    expect((await client.readStubMailbox(email)).map((m) => m.template)).toContain("totp-enabled");
  });

  it("asks for a second factor at sign-in and completes it with a code, once", async () => {
    const { client, email, secret } = await signedUpWithApp();
    const problem = await passwordStep(client, email);
    expect(problem).toMatchObject({
      type: MFA_REQUIRED,
      status: 401,
      expiresIn: 300,
      factors: ["totp", "recovery_code"],
    });
    expect(client.auth.getAuthState().signedIn).toBe(false);

    // The code that turned the app on was spent: it does not sign in.
    const replay = await failure(
      client.auth.completeSignIn({ challenge: problem.challenge, code: codeOf(secret) }),
    );
    expect(replay.type).toBe(`${P}mfa-invalid-code`);
    later(30);
    const user = await client.auth.completeSignIn({ challenge: problem.challenge, code: codeOf(secret) });
    expect(user.email).toBe(email);
    expect(client.auth.getAuthState()).toEqual({ signedIn: true, user });

    later(30);
    const used = await failure(
      client.auth.completeSignIn({ challenge: problem.challenge, code: codeOf(secret) }),
    );
    expect([used.status, used.type]).toEqual([401, `${P}mfa-invalid-challenge`]);
  });

  it("completes a sign-in with a recovery code, each code once, and emails about it", async () => {
    const { client, email, codes } = await signedUpWithApp();
    const [first] = codes as [string];
    const problem = await passwordStep(client, email);
    await client.auth.completeSignIn({ challenge: problem.challenge, code: ` ${first.toUpperCase()} ` });
    expect(client.auth.getAuthState().signedIn).toBe(true);
    const next = await passwordStep(client, email);
    const reused = await failure(client.auth.completeSignIn({ challenge: next.challenge, code: first }));
    expect(reused.type).toBe(`${P}mfa-invalid-code`);
    const mail = (await client.readStubMailbox(email)).find((m) => m.template === "recovery-code-used");
    expect(mail?.text).toContain("9");
  });

  it("refuses a challenge after the password changed, and an expired one", async () => {
    const { client, email, secret } = await signedUpWithApp();
    const problem = await passwordStep(client, email);
    later(301);
    const expired = await failure(
      client.auth.completeSignIn({ challenge: problem.challenge, code: codeOf(secret) }),
    );
    expect(expired.type).toBe(`${P}mfa-invalid-challenge`);

    const stale = await passwordStep(client, email);
    const current = await passwordStep(client, email);
    later(30);
    await client.auth.completeSignIn({ challenge: current.challenge, code: codeOf(secret) });
    await client.auth.changePassword({ currentPassword: PASSWORD, newPassword: "another sturdy passphrase" });
    later(30);
    const voided = await failure(
      client.auth.completeSignIn({ challenge: stale.challenge, code: codeOf(secret) }),
    );
    expect(voided.type).toBe(`${P}mfa-invalid-challenge`);
  });

  it("validates the second step's body as the API does", async () => {
    const { client, email } = await signedUpWithApp();
    const problem = await passwordStep(client, email);
    const short = await failure(client.auth.completeSignIn({ challenge: problem.challenge, code: "123" }));
    expect([short.status, short.errors]).toEqual([
      400,
      [{ path: "code", message: "must be a 6-digit code or a recovery code" }],
    ]);
  });

  it("replaces the recovery codes and turns the app off with a fresh factor", async () => {
    const { client, email, secret, codes } = await signedUpWithApp();
    const wrong = await failure(client.mfa.regenerateRecoveryCodes("123456"));
    expect(wrong.type).toBe(`${P}mfa-invalid-code`);
    later(30);
    const fresh = await client.mfa.regenerateRecoveryCodes(codeOf(secret));
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(codes[0]);
    const old = await failure(client.mfa.disableTotp(codes[0] as string));
    expect(old.type).toBe(`${P}mfa-invalid-code`);

    await client.mfa.disableTotp(fresh[0] as string);
    const off = await failure(client.mfa.disableTotp(fresh[1] as string));
    expect([off.status, off.title]).toEqual([409, "No authenticator app is set up"]);
    await client.auth.signOut();
    const user = await client.auth.signIn({ email, password: PASSWORD });
    expect(user.email).toBe(email);
    const templates = (await client.readStubMailbox(email)).map((m) => m.template);
    expect(templates).toEqual(expect.arrayContaining(["recovery-codes-regenerated", "totp-disabled"]));
  });

  it("lets the drop-in serviceFactory finish a two-step sign-in: signIn rejects with the challenge, completeSignIn takes the code", async () => {
    const storage = memoryStorage();
    const auth = new ServiceFactory({ storage }).getAuthService();
    const email = uniqueEmail("factory");
    await auth.signUp(email, PASSWORD, "Ada");
    // The same stub data through the SDK: the account turns the app on.
    const sdk = createBackline({ mode: "stub", storage: memoryStorage(), stubStorage: storage });
    await sdk.auth.signIn({ email, password: PASSWORD });
    const { secret } = await sdk.mfa.enrollTotp(PASSWORD);
    await sdk.mfa.verifyTotp(codeOf(secret));

    await auth.signOut();
    const error = await failure(auth.signIn(email, PASSWORD));
    expect(error).toBeInstanceOf(FactoryBacklineError);
    if (!isMfaRequired(error)) throw error;
    await expect(auth.completeSignIn(1 as unknown as string, "123456")).rejects.toThrow(
      "authService.completeSignIn: challenge must be a string, got number 1",
    );
    later(30);
    const state = await auth.completeSignIn(error.problem.challenge, codeOf(secret));
    expect(state).toMatchObject({ isAuthenticated: true, user: { email } });
    expect(auth.getAuthState().isAuthenticated).toBe(true);
  });

  it("rejects passkey calls where the runtime has no WebAuthn, before asking the backend", async () => {
    const client = createBackline({ mode: "stub", storage: memoryStorage(), stubStorage: memoryStorage() });
    expect(client.passkeys.isSupported()).toBe(false);
    const error = await failure(client.auth.signInWithPasskey());
    expect([error.status, error.type]).toEqual([501, `${P}webauthn-unavailable`]);
  });
});
