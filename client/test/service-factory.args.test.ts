/**
 * Every method of the five interfaces refuses a wrong argument type with a TypeError that names
 * the method, the argument and what it got, before anything is sent or stored (the site's
 * JavaScript has no compiler: `signIn(123, 456)` must fail loudly, not as an odd server answer).
 */
import { describe, expect, it } from "vitest";
import { memoryStorage } from "../src/index";
import { ServiceFactory } from "../src/service-factory/index";

const factory = new ServiceFactory({ storage: memoryStorage(), search: "" });
const auth = factory.getAuthService();
const sync = factory.getDataSyncService();
const sharing = factory.getSharingService();
const payment = factory.getPaymentService();
const content = factory.getContentService();
// biome-ignore lint/suspicious/noExplicitAny: the point is calling with the wrong types
const wrong = (value: unknown) => value as any;

const cases: [string, () => unknown, string][] = [
  [
    "signIn",
    () => auth.signIn(wrong(123), wrong(456)),
    "authService.signIn: email must be a string, got number 123",
  ],
  [
    "signIn",
    () => auth.signIn("a@example.com", wrong(null)),
    "authService.signIn: password must be a string, got null",
  ],
  [
    "signUp",
    () => auth.signUp("a@example.com", "pw", wrong({})),
    "authService.signUp: displayName must be a string, got an object",
  ],
  [
    "onAuthStateChanged",
    () => auth.onAuthStateChanged(wrong("cb")),
    'authService.onAuthStateChanged: callback must be a function, got string "cb"',
  ],
  [
    "savePattern",
    () => sync.savePattern(wrong("p")),
    'dataSyncService.savePattern: pattern must be an object, got string "p"',
  ],
  [
    "savePattern",
    () => sync.savePattern(wrong({ name: "P", tempo: "120", tracks: [] })),
    'dataSyncService.savePattern: pattern.tempo must be a number, got string "120"',
  ],
  [
    "savePattern",
    () => sync.savePattern(wrong({ name: "P", tempo: 120, tracks: {} })),
    "dataSyncService.savePattern: pattern.tracks must be an array, got object",
  ],
  [
    "deletePattern",
    () => sync.deletePattern(wrong(7)),
    "dataSyncService.deletePattern: patternId must be a string, got number 7",
  ],
  [
    "saveProgress",
    () => sync.saveProgress(wrong({ lessonId: "x", score: "90" })),
    'dataSyncService.saveProgress: progress.score must be a number, got string "90"',
  ],
  [
    "createShareLink",
    () => sharing.createShareLink(wrong(1)),
    "sharingService.createShareLink: patternId must be a string, got number 1",
  ],
  [
    "createShareLink",
    () => sharing.createShareLink("id", wrong({ public: "yes" })),
    'sharingService.createShareLink: options.public must be a boolean, got string "yes"',
  ],
  [
    "createShareLink",
    () => sharing.createShareLink("id", wrong({ expiresIn: "1h" })),
    'sharingService.createShareLink: options.expiresIn must be a number, got string "1h"',
  ],
  [
    "loadSharedPattern",
    () => sharing.loadSharedPattern(wrong(undefined)),
    "sharingService.loadSharedPattern: shareId must be a string, got undefined",
  ],
  [
    "revokeShareLink",
    () => sharing.revokeShareLink(wrong([])),
    "sharingService.revokeShareLink: shareId must be a string, got an array",
  ],
  [
    "createCheckoutSession",
    () => payment.createCheckoutSession(wrong({ priceId: "p" })),
    "paymentService.createCheckoutSession: priceId must be a string, got an object",
  ],
  [
    "loadLesson",
    () => content.loadLesson(wrong(1)),
    "contentService.loadLesson: lessonId must be a string, got number 1",
  ],
  [
    "createLesson",
    () => content.createLesson(wrong({ id: "x", title: "T", category: "c", difficulty: 1 })),
    "contentService.createLesson: lesson.difficulty must be a string, got number 1",
  ],
  [
    "updateLesson",
    () => content.updateLesson("x", wrong({ publishedAt: "2026-01-01" })),
    "contentService.updateLesson: lesson.publishedAt must be a Date or null",
  ],
  [
    "deleteLesson",
    () => content.deleteLesson(wrong(null)),
    "contentService.deleteLesson: lessonId must be a string, got null",
  ],
  [
    "setMode",
    () => factory.setMode(wrong("http")),
    "serviceFactory.setMode: mode must be 'real' or 'stub', got http",
  ],
];

describe("wrong argument types", () => {
  it.each(cases)("%s refuses them by name", async (_method, call, message) => {
    const outcome = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(outcome).toBeInstanceOf(TypeError);
    expect((outcome as TypeError).message).toBe(message);
  });

  it("refuses a share expiry outside 1 minute to 365 days, in milliseconds", async () => {
    await expect(sharing.createShareLink("id", { expiresIn: 59_999 })).rejects.toThrow(
      "sharingService.createShareLink: options.expiresIn must be null (never) or milliseconds from 60000 (1 minute) to 31536000000 (365 days), got 59999",
    );
  });
});
