import { describe, expect, it } from "vitest";
import { rateLimitKeyOfIp } from "./client-ip";

describe("rateLimitKeyOfIp", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["2001:0DB8:0001:0002:ffff::", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["2001:db8:1:2:3:4:198.51.100.1", "2001:db8:1:2::/64"],
    ["::ffff:198.51.100.1", "198.51.100.1"],
    ["unknown", "unknown"],
    ["1:2:3", "1:2:3"],
    ["1::2::3", "1::2::3"],
  ])("keys %s as %s", (ip, key) => {
    expect(rateLimitKeyOfIp(ip)).toBe(key);
  });

  it("gives two addresses of one /64 the same key and the next /64 another", () => {
    expect(rateLimitKeyOfIp("2001:db8:7:1::a")).toBe(rateLimitKeyOfIp("2001:db8:7:1:ffff::b"));
    expect(rateLimitKeyOfIp("2001:db8:7:2::a")).not.toBe(rateLimitKeyOfIp("2001:db8:7:1::a"));
  });
});
