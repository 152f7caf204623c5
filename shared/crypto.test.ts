import { describe, expect, it } from "vitest";
import { hashPassword, SCRYPT_PARAMS, verifyPassword } from "./crypto";

describe("password hashing", () => {
  it("uses scrypt parameters production Workers accept (N·r·p ≤ 2^20) at an OWASP-equivalent cost", () => {
    const { logN, r, p } = SCRYPT_PARAMS;
    expect(2 ** logN * r * p).toBeLessThanOrEqual(2 ** 20);
    // OWASP: N=2^17,r=8,p=1 or an equivalent such as N=2^14,r=8,p=5 — at least 2^14·8·5 of work.
    expect(2 ** logN * r * p).toBeGreaterThanOrEqual(2 ** 14 * 8 * 5);
    // Memory 128·N·r must fit an isolate's 128 MB with room to spare.
    expect(128 * 2 ** logN * r).toBeLessThanOrEqual(32 * 1024 * 1024);
  });

  it("stores a self-describing hash with a random salt and verifies it", async () => {
    const a = await hashPassword("a sturdy passphrase");
    const b = await hashPassword("a sturdy passphrase");
    expect(a).toMatch(/^\$scrypt\$ln=14,r=8,p=5\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("a sturdy passphrase", a)).toEqual({ valid: true, needsRehash: false });
    expect((await verifyPassword("a sturdy passphrasE", a)).valid).toBe(false);
  });

  it("flags hashes made with other parameters for a rehash", async () => {
    const weak = "$scrypt$ln=10,r=8,p=1$9RKumKDHPHlCeU_lhMQKlg$m2wif7FtPD2qTNLfdXTIXVceHoIspIG13SnouA2FaC4";
    expect((await verifyPassword("whatever", weak)).needsRehash).toBe(true);
    expect(await verifyPassword("whatever", "pbkdf2$600000$abc$def")).toEqual({
      valid: false,
      needsRehash: true,
    });
  });

  it("hashes at a lowered cost when asked, and rehashes against the cost asked for, not the hash's", async () => {
    const cheap = await hashPassword("a sturdy passphrase", 4);
    expect(cheap).toMatch(/^\$scrypt\$ln=4,r=8,p=5\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword("a sturdy passphrase", cheap, 4)).toEqual({
      valid: true,
      needsRehash: false,
    });
    // At today's cost a cheap hash still verifies (the hash names its cost), and is due a rehash.
    expect(await verifyPassword("a sturdy passphrase", cheap)).toEqual({ valid: true, needsRehash: true });
    const full = await hashPassword("a sturdy passphrase");
    expect(await verifyPassword("a sturdy passphrase", full, 4)).toEqual({ valid: true, needsRehash: true });
  });
});
