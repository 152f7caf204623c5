import type { Context } from "hono";
import type { AppEnv } from "../env";
import { validationError } from "../errors";
import type { Recipient } from "./lockout-notice";
import { checkAccountPassword } from "./password-guard";
import { authProblems } from "./problems";

/**
 * How recent a sign-in proves an account without a password (made through a provider) is in
 * its owner's hands: long enough to sign in again and finish what asked for it.
 */
export const RECENT_SIGNIN_MINUTES = 10;

/** What the proof reads of the signed-in account and its session. */
export interface OwnerProofAccount extends Recipient {
  /** The password hash (NO_PASSWORD for an account made through a provider). */
  hash: string;
  hasPassword: boolean;
  /** Seconds since the request's session signed in; null or undefined when the session is gone. */
  signedInSecondsAgo?: number | null;
}

/**
 * Proves a signed-in request comes from the account's owner before a change a stolen access
 * token alone must not make (a new email address, a second factor, deleting the account): the
 * current password when the account has one, counted in its guessing budget as sign-in is;
 * else a sign-in made in the last RECENT_SIGNIN_MINUTES. `then` finishes the 403's advice,
 * e.g. "delete the account".
 */
export async function proveAccountOwner<E extends AppEnv>(
  c: Context<E>,
  account: OwnerProofAccount,
  password: string | undefined,
  then: string,
): Promise<void> {
  if (account.hasPassword) {
    if (password === undefined) {
      throw validationError([{ path: "password", message: "is required: this account has a password" }]);
    }
    if (!(await checkAccountPassword(c, account, password))) {
      throw authProblems.invalidCredentials("The password is wrong.");
    }
  } else if ((account.signedInSecondsAgo ?? Number.POSITIVE_INFINITY) > RECENT_SIGNIN_MINUTES * 60) {
    throw authProblems.recentSignInRequired(
      `Sign in again with your provider, then ${then} within ${RECENT_SIGNIN_MINUTES} minutes.`,
    );
  }
}
