import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { randomToken, sha256 } from "../../shared/crypto";
import { deliverOutbox } from "../../shared/email/outbox";
import { type SignedUp, signUp, uniqueEmail } from "../../test/support/accounts";
import { fileEnv, randomIp, roundTrips, traceId } from "../../test/support/harness";
import { mailFor, tokenIn } from "../../test/support/mailbox";
import { call, createTeamAs, type ProblemBody, problemSlug, type TeamBody } from "./test-teams";

const bindings = fileEnv("team_invitations");
const db = () => createDb(loadConfig(bindings));

interface InvitationBody {
  id: string;
  email: string;
  role: string;
  invitedBy: { userId: string; displayName: string } | null;
  createdAt: string;
  expiresAt: string;
}

let owner: SignedUp;
let team: TeamBody;

beforeAll(async () => {
  owner = await signUp(bindings);
  team = await createTeamAs(bindings, owner.accessToken, "team", "Groove Lab");
});

async function invite(email: string, role = "member", as = owner.accessToken, teamId = team.id) {
  return call(bindings, as, "POST", `/api/teams/${teamId}/invitations`, { email, role });
}

/** Invites `email` and returns the invitation and the token of the link emailed to it. */
async function invited(email: string, role = "member") {
  const res = await invite(email, role);
  expect(res.status).toBe(201);
  const invitation = (await res.json()) as InvitationBody;
  return { invitation, token: await latestToken(email) };
}

async function latestToken(email: string): Promise<string> {
  const [mail] = (await mailFor(email)).filter((m) => m.subject.includes("invited you"));
  return tokenIn(mail);
}

function preview(token: string, ip = randomIp()) {
  return call(bindings, null, "POST", "/api/invitations/preview", { token }, { "CF-Connecting-IP": ip });
}

function accept(token: string, accessToken: string) {
  return call(bindings, accessToken, "POST", "/api/invitations/accept", { token });
}

async function auditActions(teamId: string): Promise<string[]> {
  const result = await db().execute<{ action: string }>(
    sql`select action from audit_logs where target_type = 'team' and target_id = ${teamId} order by id`,
  );
  return result.rows.map((r) => r.action);
}

describe("inviting", () => {
  it("invites by email: 201 with the invitation, a 7-day expiry, audit-logged", async () => {
    const email = uniqueEmail("invitee");
    const res = await invite(` ${email.toUpperCase()} `, "admin");
    expect(res.status).toBe(201);
    const body = (await res.json()) as InvitationBody;
    expect(body).toMatchObject({
      email,
      role: "admin",
      invitedBy: { userId: owner.userId, displayName: "Test User" },
    });
    expect(res.headers.get("Location")).toBe(`/api/teams/${team.id}/invitations/${body.id}`);
    const days = (Date.parse(body.expiresAt) - Date.parse(body.createdAt)) / 86_400_000;
    expect(days).toBeCloseTo(7, 3);
    expect(await auditActions(team.id)).toContain("team.invitation_created");
  });

  it("emails a working link whose secret rests nowhere in the database (only its SHA-256)", async () => {
    const email = uniqueEmail("invitee");
    const { invitation, token } = await invited(email);
    const [mail] = await mailFor(email);
    expect(mail?.subject).toBe("Test User invited you to join Groove Lab");
    expect(mail?.text).toContain("Test User invited you to join Groove Lab as member");
    expect(mail?.html).toContain("https://app.example.com/join?token=");
    expect(token.length).toBe(43);

    const rows = await db().execute<Record<string, unknown>>(
      sql`select * from email_outbox where invitation_id = ${invitation.id}`,
    );
    expect(rows.rows).toHaveLength(1);
    expect(JSON.stringify(rows.rows)).not.toContain(token);
    const stored = await db().execute<{ token_hash: string }>(
      sql`select token_hash from team_invitations where id = ${invitation.id}`,
    );
    expect(stored.rows[0]?.token_hash).toBe(await sha256(token));

    const res = await preview(token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      teamName: "Groove Lab",
      kind: "team",
      role: "member",
      email,
      invitedBy: "Test User",
      expiresAt: invitation.expiresAt,
    });
  });

  it("refuses an address that belongs to a member (409 already-member) or has a pending invitation", async () => {
    const member = await signUp(bindings);
    const { token } = await invited(member.email);
    expect((await accept(token, member.accessToken)).status).toBe(200);
    const again = await invite(member.email);
    expect(again.status).toBe(409);
    expect(await problemSlug(again)).toBe("already-member");
    const self = await invite(owner.email);
    expect(await problemSlug(self)).toBe("already-member");

    const email = uniqueEmail("twice");
    await invited(email);
    const twice = await invite(email);
    expect(twice.status).toBe(409);
    expect(await problemSlug(twice)).toBe("invitation-pending");
  });

  it("refuses a role of the other kind (400 on role)", async () => {
    const res = await invite(uniqueEmail(), "student");
    expect(res.status).toBe(400);
    expect(((await res.json()) as ProblemBody).errors?.[0]?.path).toBe("role");
    const bad = await invite("not an address");
    expect(((await bad.json()) as ProblemBody).errors?.[0]?.path).toBe("email");
  });

  it("lists pending invitations to managers only", async () => {
    const user = await signUp(bindings);
    const own = await createTeamAs(bindings, user.accessToken, "class");
    const first = uniqueEmail();
    const second = uniqueEmail();
    expect((await invite(first, "student", user.accessToken, own.id)).status).toBe(201);
    expect((await invite(second, "teacher", user.accessToken, own.id)).status).toBe(201);
    const res = await call(bindings, user.accessToken, "GET", `/api/teams/${own.id}/invitations`);
    expect(res.status).toBe(200);
    const { invitations } = (await res.json()) as { invitations: InvitationBody[] };
    expect(invitations.map((i) => [i.email, i.role])).toEqual([
      [second, "teacher"],
      [first, "student"],
    ]);

    const student = await signUp(bindings);
    await db().execute(
      sql`insert into team_members (team_id, user_id, role) values (${own.id}, ${student.userId}, 'student')`,
    );
    const refused = await call(bindings, student.accessToken, "GET", `/api/teams/${own.id}/invitations`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as ProblemBody).detail).toContain("owner or teacher");
  });
});

describe("accepting", () => {
  it("joins with the invited role, verifies the address, spends the link; audit-logged", async () => {
    const invitee = await signUp(bindings);
    const { token } = await invited(invitee.email, "admin");
    const res = await accept(token, invitee.accessToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      team: { ...team, role: "admin", memberCount: expect.any(Number) },
    });
    const me = (await (await call(bindings, invitee.accessToken, "GET", "/api/me")).json()) as {
      emailVerified: boolean;
    };
    expect(me.emailVerified).toBe(true);
    const got = await call(bindings, invitee.accessToken, "GET", `/api/teams/${team.id}`);
    expect(await got.json()).toMatchObject({ role: "admin" });
    expect(await auditActions(team.id)).toContain("team.invitation_accepted");

    // Single use: the second accept and a preview find nothing.
    const reuse = await accept(token, invitee.accessToken);
    expect(reuse.status).toBe(404);
    expect(await problemSlug(reuse)).toBe("invitation-invalid");
    expect((await preview(token)).status).toBe(404);
  });

  it("is for the invited address only: 403 invitation-wrong-email naming no address", async () => {
    const email = uniqueEmail("intended");
    const { token } = await invited(email);
    const intruder = await signUp(bindings);
    const res = await accept(token, intruder.accessToken);
    expect(res.status).toBe(403);
    const problem = (await res.json()) as ProblemBody;
    expect(problem.type).toMatch(/\/invitation-wrong-email$/);
    expect(JSON.stringify(problem)).not.toContain(email);
    expect(JSON.stringify(problem)).not.toContain(intruder.email);
    expect((await preview(token)).status).toBe(200);
  });

  it("works for an address that signs up after being invited", async () => {
    const email = uniqueEmail("newcomer");
    const { token } = await invited(email, "member");
    const newcomer = await signUp(bindings, { email });
    const res = await accept(token, newcomer.accessToken);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { team: TeamBody }).team.role).toBe("member");
  });

  it("refuses one accept of two at once (single use)", async () => {
    const invitee = await signUp(bindings);
    const { token } = await invited(invitee.email);
    const results = await Promise.all([
      accept(token, invitee.accessToken),
      accept(token, invitee.accessToken),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 404]);
  });

  it("needs a session", async () => {
    const { token } = await invited(uniqueEmail());
    expect((await call(bindings, null, "POST", "/api/invitations/accept", { token })).status).toBe(401);
  });
});

describe("attacks on invitation links", () => {
  it("an expired link is invalid (preview and accept)", async () => {
    const invitee = await signUp(bindings);
    const { invitation, token } = await invited(invitee.email);
    await db().execute(
      sql`update team_invitations set expires_at = now() - interval '1 minute' where id = ${invitation.id}`,
    );
    expect((await preview(token)).status).toBe(404);
    const res = await accept(token, invitee.accessToken);
    expect(res.status).toBe(404);
    expect(await problemSlug(res)).toBe("invitation-invalid");
  });

  it("a revoked link is dead at once; revoking is for managers and audit-logged", async () => {
    const invitee = await signUp(bindings);
    const { invitation, token } = await invited(invitee.email);
    const path = `/api/teams/${team.id}/invitations/${invitation.id}`;
    expect((await call(bindings, invitee.accessToken, "DELETE", path)).status).toBe(404);
    expect((await call(bindings, owner.accessToken, "DELETE", path)).status).toBe(204);
    expect((await preview(token)).status).toBe(404);
    expect((await accept(token, invitee.accessToken)).status).toBe(404);
    const again = await call(bindings, owner.accessToken, "DELETE", path);
    expect(again.status).toBe(404);
    expect(await problemSlug(again)).toBe("invitation-not-found");
    const list = await call(bindings, owner.accessToken, "GET", `/api/teams/${team.id}/invitations`);
    const { invitations } = (await list.json()) as { invitations: InvitationBody[] };
    expect(invitations.map((i) => i.id)).not.toContain(invitation.id);
    expect(await auditActions(team.id)).toContain("team.invitation_revoked");
  });

  it("a resend kills the old link and renews the expiry; the new link works", async () => {
    const invitee = await signUp(bindings);
    const { invitation, token: oldToken } = await invited(invitee.email);
    await db().execute(
      sql`update team_invitations set expires_at = now() - interval '1 day' where id = ${invitation.id}`,
    );
    const res = await call(
      bindings,
      owner.accessToken,
      "POST",
      `/api/teams/${team.id}/invitations/${invitation.id}/resend`,
    );
    expect(res.status).toBe(202);
    const newToken = await latestToken(invitee.email);
    expect(newToken).not.toBe(oldToken);
    expect((await preview(oldToken)).status).toBe(404);
    expect((await accept(oldToken, invitee.accessToken)).status).toBe(404);
    const fresh = await preview(newToken);
    expect(fresh.status).toBe(200);
    const { expiresAt } = (await fresh.json()) as { expiresAt: string };
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
    expect((await accept(newToken, invitee.accessToken)).status).toBe(200);
    expect(await auditActions(team.id)).toContain("team.invitation_resent");
  });

  it("an invitation revoked before its email goes out is dropped, not sent", async () => {
    const email = uniqueEmail("dropped");
    const { invitation } = await invited(email);
    expect(
      (
        await call(
          bindings,
          owner.accessToken,
          "DELETE",
          `/api/teams/${team.id}/invitations/${invitation.id}`,
        )
      ).status,
    ).toBe(204);
    // A retry of its email, queued before the revocation, reaches the sender only now.
    const outboxId = crypto.randomUUID();
    await db().execute(sql`
      insert into email_outbox (id, "to", template, params, invitation_id)
      values (${outboxId}, ${email}, 'team-invitation',
        '{"inviterName":"Test User","teamName":"Groove Lab","role":"member"}'::jsonb, ${invitation.id})
    `);
    await deliverOutbox(db(), loadConfig(bindings), [outboxId]);
    expect(await mailFor(email)).toHaveLength(1);
    const left = await db().execute(sql`select 1 from email_outbox where id = ${outboxId}`);
    expect(left.rows).toHaveLength(0);
  });

  it("guessed tokens find nothing (404, one shape); a malformed one is a 400", async () => {
    for (let i = 0; i < 3; i++) {
      const guess = randomToken();
      const res = await preview(guess);
      expect(res.status).toBe(404);
      expect(await problemSlug(res)).toBe("invitation-invalid");
      expect((await accept(guess, owner.accessToken)).status).toBe(404);
    }
    const malformed = await preview("short");
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ProblemBody).errors?.[0]?.path).toBe("token");
  });

  it("previews are rate limited per client IP (429 with Retry-After and the policy)", async () => {
    const ip = randomIp();
    const guess = () => randomToken();
    let last: Response | undefined;
    for (let i = 0; i < 30; i++) {
      last = await preview(guess(), ip);
      expect(last.status).toBe(404);
    }
    expect(last?.headers.get("RateLimit-Policy")).toBe('"invitations";q=30;w=60');
    const limited = await preview(guess(), ip);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Content-Type")).toBe("application/problem+json");
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(limited.headers.get("RateLimit")).toMatch(/^"invitations";r=0;t=\d+$/);
    expect((await preview(guess(), randomIp())).status).toBe(404);
  });
});

describe("round trips", () => {
  it("invite: 1 Neon + 1 Upstash for the request, then the email's claim and record", async () => {
    await invite(uniqueEmail()); // warm the limiter scripts
    const trace = traceId();
    const res = await call(
      bindings,
      owner.accessToken,
      "POST",
      `/api/teams/${team.id}/invitations`,
      { email: uniqueEmail(), role: "member" },
      { "X-Request-Id": trace },
    );
    expect(res.status).toBe(201);
    // Neon: the invitation's statement, then (after the response) the email's claim and record.
    expect(await roundTrips(trace)).toMatchObject({ neon: 3, upstash: 1 });
  });

  it("preview and accept: 1 Neon + 1 Upstash each", async () => {
    const invitee = await signUp(bindings);
    const { token } = await invited(invitee.email);
    const ip = randomIp();
    await preview(token, ip); // warm the limiter scripts
    const previewTrace = traceId();
    const previewed = await call(
      bindings,
      null,
      "POST",
      "/api/invitations/preview",
      { token },
      { "X-Request-Id": previewTrace, "CF-Connecting-IP": ip },
    );
    expect(previewed.status).toBe(200);
    expect(await roundTrips(previewTrace)).toMatchObject({ neon: 1, upstash: 1 });
    const acceptTrace = traceId();
    const accepted = await call(
      bindings,
      invitee.accessToken,
      "POST",
      "/api/invitations/accept",
      { token },
      { "X-Request-Id": acceptTrace },
    );
    expect(accepted.status).toBe(200);
    expect(await roundTrips(acceptTrace)).toMatchObject({ neon: 1, upstash: 1 });
  });
});
