/** ISharingService over the SDK's share links: expiry in milliseconds, a shared pattern as a Pattern. */
import type { SharingService } from "../types";
import { expectArg, expectOptionalArg } from "./args";
import { toPattern, toSharedPattern } from "./convert";
import type { ISharingService, ShareOptions } from "./types";

const MINUTE_MS = 60_000;
const MAX_EXPIRY_MS = 365 * 86_400_000;

/** The API's `expiresIn` (whole seconds, rounded up) from the spec's milliseconds; null: never. */
function expirySeconds(expiresIn: number | null | undefined): number | null | undefined {
  if (expiresIn === undefined || expiresIn === null) return expiresIn;
  if (!(expiresIn >= MINUTE_MS && expiresIn <= MAX_EXPIRY_MS))
    throw new RangeError(
      `sharingService.createShareLink: options.expiresIn must be null (never) or milliseconds from ${MINUTE_MS} (1 minute) to ${MAX_EXPIRY_MS} (365 days), got ${expiresIn}`,
    );
  return Math.ceil(expiresIn / 1000);
}

function shareOptions(options: ShareOptions) {
  const method = "sharingService.createShareLink";
  expectArg(method, "options", options, "object");
  expectOptionalArg(method, "options.public", options.public, "boolean");
  if (options.expiresIn !== null) expectOptionalArg(method, "options.expiresIn", options.expiresIn, "number");
  const expiresIn = expirySeconds(options.expiresIn);
  return {
    ...(options.public !== undefined && { public: options.public }),
    ...(expiresIn !== undefined && { expiresIn }),
  };
}

/**
 * `userId`: the signed-in user, owner of the shares they list and make. A shared pattern
 * carries its owner's id as the API sends it.
 */
export function adaptSharing(sharing: SharingService, userId: () => string | null): ISharingService {
  return {
    async createShareLink(patternId, options = {}) {
      expectArg("sharingService.createShareLink", "patternId", patternId, "string");
      return toSharedPattern(await sharing.createShareLink(patternId, shareOptions(options)), userId());
    },
    async loadSharedPattern(shareId) {
      expectArg("sharingService.loadSharedPattern", "shareId", shareId, "string");
      return toPattern((await sharing.loadSharedPattern(shareId)).pattern);
    },
    async revokeShareLink(shareId) {
      expectArg("sharingService.revokeShareLink", "shareId", shareId, "string");
      await sharing.revokeShareLink(shareId);
    },
    async listShares() {
      const owner = userId();
      return (await sharing.listShares()).map((s) => toSharedPattern(s, owner));
    },
  };
}
