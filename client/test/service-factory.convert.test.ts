/**
 * The adapter passes on what the API says instead of guessing it. Each case pins a value the
 * adapter once derived wrongly: a lesson's last update for its publication, the period end
 * minus the plan's interval for the period start, a held plan for premium, the signed-in
 * user for the owner of a shared pattern.
 */
import { describe, expect, it } from "vitest";
import { toLesson, toPattern, toSubscription } from "../src/service-factory/convert";
import type { Lesson, SavedPattern, Subscription } from "../src/types";

const OWNER = "6f1c1c52-8a51-4f55-9d4c-3c8f2d1f6a01";

describe("serviceFactory conversions", () => {
  it("publishedAt is the lesson's publication, not its last update", () => {
    const lesson: Lesson = {
      id: "counting-beats",
      title: "Counting beats",
      category: "rhythm-basics",
      difficulty: "beginner",
      isPremium: false,
      position: 0,
      published: true,
      publishedAt: "2026-01-05T09:00:00.000Z",
      updatedAt: "2026-03-01T12:00:00.000Z",
      config: {},
    };
    expect(toLesson(lesson).publishedAt).toEqual(new Date("2026-01-05T09:00:00.000Z"));
    expect(toLesson({ ...lesson, published: false, publishedAt: null }).publishedAt).toBeNull();
  });

  it("currentPeriodStart and tier are the API's", () => {
    // A period that ends on a clamped day: one month before Feb 28 is not when it started.
    const sub: Subscription = {
      id: "sub_1",
      status: "past_due",
      priceId: "price_premium_monthly",
      plan: "premium-monthly",
      tier: "free",
      currentPeriodStart: "2026-01-31T10:00:00.000Z",
      currentPeriodEnd: "2026-02-28T10:00:00.000Z",
      cancelAtPeriodEnd: false,
      canceledAt: null,
    };
    expect(toSubscription(sub, OWNER)).toEqual({
      id: "sub_1",
      userId: OWNER,
      tier: "free", // past_due after the grace period: the plan is held, premium is not
      status: "past_due",
      currentPeriodStart: new Date("2026-01-31T10:00:00.000Z"),
      currentPeriodEnd: new Date("2026-02-28T10:00:00.000Z"),
      cancelAtPeriodEnd: false,
    });
    expect(toSubscription({ ...sub, currentPeriodStart: null }, OWNER).currentPeriodStart).toBeNull();
  });

  it("a pattern's userId is its owner's as the API names it", () => {
    const shared: SavedPattern = {
      id: "0b5e8c1e-4c56-4a39-9a43-4d7f0d3c2b11",
      userId: OWNER,
      teamId: null,
      authorId: OWNER,
      name: "Shared",
      tempo: 120,
      tracks: [],
      mixer: {},
      isPublic: true,
      version: 1,
      createdAt: "2026-01-05T09:00:00.000Z",
      updatedAt: "2026-01-05T09:00:00.000Z",
      deletedAt: null,
    };
    expect(toPattern(shared).userId).toBe(OWNER);
    expect(toPattern(shared, "someone-else").userId).toBe(OWNER);
    // A copy an older SDK kept on the device without it: the device store's owner.
    expect(toPattern({ ...shared, userId: undefined as unknown as string }, "device-owner").userId).toBe(
      "device-owner",
    );
  });
});
