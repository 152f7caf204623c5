/** What the contract suites share: the password, unique emails, and reading failures as problems. */
import { expect } from "vitest";
import type { BacklineError, PatternInput } from "../../client/src/index";

export const PASSWORD = "a sturdy passphrase 42";

export function uniqueEmail(tag = "user"): string {
  return `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function failure(promise: Promise<unknown>): Promise<BacklineError> {
  try {
    await promise;
  } catch (error) {
    expect((error as Error).name).toBe("BacklineError");
    return error as BacklineError;
  }
  throw new Error("expected the call to fail");
}

/** The parts of a problem a frontend relies on. */
export function shape(error: BacklineError) {
  return {
    status: error.status,
    type: error.type,
    title: error.title,
    detail: error.detail,
    errors: error.errors,
  };
}

export const pattern = (overrides: Partial<PatternInput> = {}): PatternInput => ({
  name: "Four on the floor",
  tempo: 120,
  tracks: [
    { instrument: "kick", steps: [true, false, false, false, true, false, false, false], volume: 0.8 },
  ],
  ...overrides,
});
