/**
 * Stub mode: the API's behaviour with no backend, one file per endpoint group beside this
 * one. Its data lives in the given storage under `backline:stub:`; the signed-in session is
 * kept like the refresh cookie (survives reloads), the "access token" only in memory.
 * Outcomes, problems and validation follow the routes in functions/; the contract suite
 * (test/contract) runs the same tests against both.
 */
import type { Backend } from "../backend";
import type { KeyValueStorage, StubEmail } from "../types";
import { stubAccount } from "./account";
import { stubAdmin } from "./admin";
import { stubApiKeys } from "./api-keys";
import { stubAuth } from "./auth";
import { stubBilling } from "./billing";
import { stubClasses } from "./classes";
import { stubEvents } from "./events";
import { stubIdentities } from "./identities";
import { stubLessons } from "./lessons";
import { readOutbox } from "./mail";
import { stubMfa } from "./mfa";
import { stubPasskeys } from "./passkeys";
import { stubPatterns } from "./patterns";
import { stubProgress } from "./progress";
import { stubShares } from "./shares";
import { stubTeams } from "./teams";
import { stubInvitations } from "./teams-invitations";
import { stubTeamKeys } from "./teams-keys";
import { createStubWorld, type StubOptions } from "./world";

export type { StubOptions };

/** The stub behind the `Backend` interface, and its outbox (what the server would have emailed). */
export interface StubBackend extends Backend {
  mailbox(to?: string): Promise<StubEmail[]>;
}

/**
 * `world` holds the stub's data (what the server would keep); `browserStorage` holds its
 * session (what the refresh cookie would keep). They are the same storage unless told otherwise.
 */
export function stubBackend(
  world: KeyValueStorage,
  browserStorage: KeyValueStorage,
  options: StubOptions = {},
): StubBackend {
  const stub = createStubWorld(world, browserStorage, options);
  return {
    mailbox: (to) => readOutbox(stub, to),
    ...stubAuth(stub),
    ...stubMfa(stub),
    ...stubPasskeys(stub),
    ...stubAccount(stub),
    ...stubPatterns(stub),
    ...stubProgress(stub),
    ...stubShares(stub),
    ...stubLessons(stub),
    ...stubBilling(stub),
    ...stubIdentities(stub),
    ...stubApiKeys(stub),
    ...stubEvents(stub),
    ...stubAdmin(stub),
    ...stubTeams(stub),
    ...stubInvitations(stub),
    ...stubClasses(stub),
    ...stubTeamKeys(stub),
  };
}
