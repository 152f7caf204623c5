import { createHash } from "node:crypto";

/** A person the stand-in signs in as: the consent page offers these, or any address typed in. */
export interface TestAccount {
  email: string;
  name: string;
  /** Whether the provider vouches for the address (Google's `email_verified`, GitHub's `verified`). */
  emailVerified: boolean;
}

/** The accounts listed on the consent page. */
export const TEST_ACCOUNTS: readonly TestAccount[] = [
  { email: "ada@example.com", name: "Ada Lovelace", emailVerified: true },
  { email: "grace@example.com", name: "Grace Hopper", emailVerified: true },
  { email: "unverified@example.com", name: "Una Verified", emailVerified: false },
];

/** Google's `sub`: a stable string of 21 digits per address. */
export function googleSub(email: string): string {
  return BigInt(`0x${digest(email).slice(0, 17)}`)
    .toString()
    .padStart(21, "1")
    .slice(0, 21);
}

/** GitHub's numeric user id: stable per address. */
export function githubId(email: string): number {
  return Number.parseInt(digest(email).slice(0, 8), 16);
}

/** GitHub's login: the address's local part, cleaned. */
export function githubLogin(email: string): string {
  return (email.split("@")[0] ?? "user").replace(/[^a-z0-9-]/gi, "-");
}

function digest(email: string): string {
  return createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
}
