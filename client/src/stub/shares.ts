/** Stub share links (functions/shares): public or sign-in-only links to a pattern, with views and expiry. */
import { CreateShareBody, ShareIdParam } from "../../../shared/schemas/shares";
import type { Backend } from "../backend";
import type { Share } from "../types";
import { toPatternDto } from "./patterns";
import { stubProblems as p, validate } from "./problems";
import { randomBase62, type StoredShare, type StubWorld } from "./world";

/** A share as the API shows it to its owner (functions/shares/index.ts). */
function toShareDto(s: StoredShare, base: string): Share {
  return {
    shareId: s.shareId,
    url: `${base.replace(/\/?$/, "/")}${s.shareId}`,
    patternId: s.patternId,
    public: s.isPublic,
    views: s.views,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
  };
}

type ShareCalls = "createShare" | "openShare" | "revokeShare" | "listShares";

/** Creating, opening, revoking and listing share links. */
export function stubShares(world: StubWorld): Pick<Backend, ShareCalls> {
  return {
    createShare(body) {
      const instance = "/api/shares";
      return world.tx((db) => {
        const user = world.viewer(db, instance);
        const input = validate(CreateShareBody, body, instance);
        const pattern = db.patterns[input.patternId];
        if (!pattern || pattern.userId !== user.id || pattern.deletedAt !== null)
          throw p.notFound("No pattern of yours has this id.", instance);
        const now = Date.now();
        const share: StoredShare = {
          shareId: randomBase62(16),
          patternId: input.patternId,
          ownerId: user.id,
          isPublic: input.public,
          views: 0,
          createdAt: new Date(now).toISOString(),
          expiresAt: input.expiresIn ? new Date(now + input.expiresIn * 1000).toISOString() : null,
          revokedAt: null,
        };
        db.shares[share.shareId] = share;
        return toShareDto(share, world.shareBase);
      });
    },
    openShare(shareId) {
      const instance = `/api/shares/${shareId}`;
      return world.tx((db) => {
        validate(ShareIdParam, { shareId }, instance, "param");
        const viewer = world.maybeViewer(db, instance);
        const share = db.shares[shareId];
        const pattern = share ? db.patterns[share.patternId] : undefined;
        if (!share || !pattern || share.revokedAt !== null || pattern.deletedAt !== null)
          throw p.notFound("This share link does not exist or was revoked.", instance);
        if (share.expiresAt !== null && Date.parse(share.expiresAt) <= Date.now())
          throw p.gone("This share link has expired.", instance);
        if (!share.isPublic && !viewer) throw p.signInToOpen(instance);
        share.views += 1;
        return { pattern: toPatternDto(pattern), views: share.views };
      });
    },
    async revokeShare(shareId) {
      const instance = `/api/shares/${shareId}`;
      await world.tx((db) => {
        const user = world.viewer(db, instance);
        validate(ShareIdParam, { shareId }, instance, "param");
        const share = db.shares[shareId];
        if (!share || share.ownerId !== user.id || share.revokedAt !== null)
          throw p.notFound("No live share link of yours has this id.", instance);
        share.revokedAt = new Date().toISOString();
      });
    },
    async listShares() {
      const db = await world.read();
      const user = world.viewer(db, "/api/shares");
      return Object.values(db.shares)
        .filter(
          (s) =>
            s.ownerId === user.id &&
            s.revokedAt === null &&
            (s.expiresAt === null || Date.parse(s.expiresAt) > Date.now()) &&
            db.patterns[s.patternId]?.deletedAt === null,
        )
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
        .slice(0, 200)
        .map((s) => toShareDto(s, world.shareBase));
    },
  };
}
