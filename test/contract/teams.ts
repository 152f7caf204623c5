/**
 * The teams half of the SDK contract (issue #17, the teams contract): teams and classes, members
 * and roles, invitations by emailed link, class lessons and progress, team patterns and team
 * API keys, as a frontend sees them through `backline.teams` and `dataSync.team(id)`.
 * Run by defineContract for both targets; over http it needs the team routes (functions/teams,
 * functions/invitations, functions/classes, the team-keys and team-patterns work).
 */
import { describe, expect, it } from "vitest";
import type { Backline, Team, TeamRole } from "../../client/src/index";
import type { ContractTarget } from "./contract";
import { failure, PASSWORD, pattern, shape, uniqueEmail } from "./helpers";

const P = "https://backline.dev/problems/";

export function defineTeamsContract(target: ContractTarget): void {
  async function person(name: string, client = target.client()) {
    const email = uniqueEmail(name.toLowerCase());
    const user = await client.auth.signUp({ email, password: PASSWORD, displayName: name });
    return { client, email, user };
  }

  /** The token of the newest invitation link emailed to `address` (delivery may lag the answer). */
  async function invitationToken(address: string, count = 1): Promise<{ link: URL; token: string }> {
    for (let i = 0; i < 50; i++) {
      const links = (await target.emails(address))
        .map((m) => /https?:\/\/\S+\/join\?token=\S+/.exec(m.text)?.[0])
        .filter((l): l is string => l !== undefined);
      const newest = links[0];
      if (newest && links.length >= count) {
        const link = new URL(newest);
        return { link, token: link.searchParams.get("token") ?? "" };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no ${count}× invitation email to ${address}`);
  }

  /** `owner` invites a new person with `role`; they sign up with that address and accept. */
  async function joined(owner: Backline, team: Team, name: string, role: TeamRole) {
    const member = await person(name);
    await owner.teams.invite(team.id, { email: member.email, role });
    const { token } = await invitationToken(member.email);
    await member.client.teams.acceptInvitation(token);
    return member;
  }

  describe("teams", () => {
    it("creates teams and classes, lists them newest first, renames, and hides them from others", async () => {
      const { client, user } = await person("Olga");
      const band = await client.teams.create({ name: "  The Band  ", kind: "team" });
      expect(band).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: "The Band",
        kind: "team",
        role: "owner",
        memberCount: 1,
        createdAt: expect.any(String),
      });
      const klass = await client.teams.create({ name: "Beats 101", kind: "class" });
      expect((await client.teams.list()).map((t) => t.id)).toEqual([klass.id, band.id]);
      expect(await client.teams.get(band.id)).toEqual(band);
      expect(await client.teams.rename(band.id, "Band 2")).toMatchObject({ id: band.id, name: "Band 2" });
      const page = await client.teams.members(band.id);
      expect(page).toEqual({
        members: [
          {
            userId: user.id,
            displayName: "Olga",
            email: user.email,
            role: "owner",
            joinedAt: expect.any(String),
          },
        ],
        nextCursor: null,
      });

      const bad = await failure(client.teams.create({ name: " ", kind: "club" as "team" }));
      expect([bad.status, bad.type]).toEqual([400, `${P}validation`]);
      expect(bad.errors.map((e) => e.path).sort()).toEqual(["kind", "name"]);

      // Someone else: the same 404 as an unknown id, on reads and writes alike.
      const { client: other } = await person("Otto");
      for (const call of [
        () => other.teams.get(band.id),
        () => other.teams.members(band.id),
        () => other.teams.rename(band.id, "Mine"),
        () => other.teams.remove(band.id),
        () => other.teams.invite(band.id, { email: uniqueEmail(), role: "member" }),
        () => other.teams.invitations(band.id),
        () => other.teams.lessons(klass.id),
        () => other.teams.progress(klass.id),
        () => other.teams.apiKeys(band.id),
        () => other.teams.get(crypto.randomUUID()),
      ])
        expect((await failure(call())).type).toBe(`${P}team-not-found`);
      expect(await other.teams.list()).toEqual([]);

      await client.teams.remove(band.id);
      expect((await failure(client.teams.get(band.id))).status).toBe(404);
      expect((await client.teams.list()).map((t) => t.id)).toEqual([klass.id]);
    });

    it("invites by email: the link previews, joins once and only the invited address", async () => {
      const { client: owner } = await person("Olga");
      const team = await owner.teams.create({ name: "Crew", kind: "team" });
      const invitee = uniqueEmail("ivy");
      const invitation = await owner.teams.invite(team.id, {
        email: ` ${invitee.toUpperCase()} `,
        role: "admin",
      });
      expect(invitation).toMatchObject({ email: invitee, role: "admin", invitedBy: { displayName: "Olga" } });
      expect(Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)).toBe(7 * 24 * 3600_000);
      expect((await owner.teams.invitations(team.id)).map((i) => i.id)).toEqual([invitation.id]);
      const again = await failure(owner.teams.invite(team.id, { email: invitee, role: "member" }));
      expect([again.status, again.type]).toEqual([409, `${P}invitation-pending`]);

      const { link, token } = await invitationToken(invitee);
      expect(link.pathname).toMatch(/\/join$/);
      const preview = await target.client().teams.previewInvitation(token);
      expect(preview).toEqual({
        teamName: "Crew",
        kind: "team",
        role: "admin",
        email: invitee,
        invitedBy: "Olga",
        expiresAt: invitation.expiresAt,
      });
      const guessed = await failure(target.client().teams.previewInvitation("A".repeat(43)));
      expect([guessed.status, guessed.type]).toEqual([404, `${P}invitation-invalid`]);

      // Signed in with another address: refused, without naming the invited one.
      const { client: stranger } = await person("Sam");
      const wrong = await failure(stranger.teams.acceptInvitation(token));
      expect([wrong.status, wrong.type]).toEqual([403, `${P}invitation-wrong-email`]);
      expect(wrong.detail ?? "").not.toContain(invitee);
      expect((await failure(target.client().teams.acceptInvitation(token))).status).toBe(401);

      const ivy = target.client();
      await ivy.auth.signUp({ email: invitee, password: PASSWORD, displayName: "Ivy" });
      const { team: joinedTeam } = await ivy.teams.acceptInvitation(token);
      expect(joinedTeam).toMatchObject({ id: team.id, name: "Crew", role: "admin", memberCount: 2 });
      expect((await ivy.teams.list()).map((t) => t.id)).toEqual([team.id]);
      // Accepting proved the address.
      expect((await target.client(ivy).auth.init()).user?.emailVerified).toBe(true);
      // Single use; the invitation is no longer pending; a member is not invited again.
      expect((await failure(ivy.teams.acceptInvitation(token))).type).toBe(`${P}invitation-invalid`);
      expect((await failure(target.client().teams.previewInvitation(token))).type).toBe(
        `${P}invitation-invalid`,
      );
      expect(await owner.teams.invitations(team.id)).toEqual([]);
      const member = await failure(owner.teams.invite(team.id, { email: invitee, role: "member" }));
      expect([member.status, member.type]).toEqual([409, `${P}already-member`]);
    });

    it("resends with a new link (the old one dies) and revokes", async () => {
      const { client: owner } = await person("Olga");
      const team = await owner.teams.create({ name: "Crew", kind: "team" });
      const invitee = uniqueEmail("rae");
      const invitation = await owner.teams.invite(team.id, { email: invitee, role: "member" });
      const first = await invitationToken(invitee);
      await owner.teams.resendInvitation(team.id, invitation.id);
      const second = await invitationToken(invitee, 2);
      expect(second.token).not.toBe(first.token);
      expect((await failure(target.client().teams.previewInvitation(first.token))).status).toBe(404);
      expect(await target.client().teams.previewInvitation(second.token)).toMatchObject({ email: invitee });

      await owner.teams.revokeInvitation(team.id, invitation.id);
      expect(await owner.teams.invitations(team.id)).toEqual([]);
      expect((await failure(target.client().teams.previewInvitation(second.token))).status).toBe(404);
      expect((await failure(owner.teams.revokeInvitation(team.id, invitation.id))).status).toBe(404);
      // Revoked: the address can be invited afresh.
      await owner.teams.invite(team.id, { email: invitee, role: "member" });
    });

    it("roles: managers manage, only owners touch ownership, the last owner stays", async () => {
      const { client: owner, user: ownerUser } = await person("Olga");
      const team = await owner.teams.create({ name: "Crew", kind: "team" });
      const admin = await joined(owner, team, "Ada", "admin");
      const member = await joined(owner, team, "Max", "member");

      // A member reads the members (without their emails) and may not manage.
      const seen = await member.client.teams.members(team.id);
      expect(seen.members.map((m) => [m.displayName, m.role, m.email]).sort()).toEqual([
        ["Ada", "admin", null],
        ["Max", "member", null],
        ["Olga", "owner", null],
      ]);
      for (const call of [
        () => member.client.teams.invite(team.id, { email: uniqueEmail(), role: "member" }),
        () => member.client.teams.setRole(team.id, admin.user.id, "member"),
        () => member.client.teams.rename(team.id, "Mine"),
        () => member.client.teams.invitations(team.id),
      ]) {
        const refused = await failure(call());
        expect([refused.status, refused.type]).toEqual([403, `${P}team-role-required`]);
      }
      // An admin manages members but not ownership, and invites no one above their own role.
      expect((await failure(admin.client.teams.setRole(team.id, member.user.id, "owner"))).status).toBe(403);
      expect((await failure(admin.client.teams.removeMember(team.id, ownerUser.id))).status).toBe(403);
      expect(
        (await failure(admin.client.teams.invite(team.id, { email: uniqueEmail(), role: "owner" }))).status,
      ).toBe(403);
      const badRole = await failure(admin.client.teams.setRole(team.id, member.user.id, "teacher"));
      expect([badRole.status, badRole.errors.map((e) => e.path)]).toEqual([400, ["role"]]);
      expect(await admin.client.teams.setRole(team.id, member.user.id, "admin")).toMatchObject({
        userId: member.user.id,
        role: "admin",
        email: member.email,
      });

      // The last owner can neither leave nor step down.
      for (const call of [
        () => owner.teams.leave(team.id),
        () => owner.teams.setRole(team.id, ownerUser.id, "admin"),
      ]) {
        const refused = await failure(call());
        expect([refused.status, refused.type]).toEqual([409, `${P}last-owner`]);
      }
      // Transfer: the member becomes owner, the caller an admin, who may then leave.
      expect((await failure(admin.client.teams.transfer(team.id, member.user.id))).status).toBe(403);
      expect(await owner.teams.transfer(team.id, admin.user.id)).toMatchObject({
        id: team.id,
        role: "admin",
      });
      expect((await admin.client.teams.get(team.id)).role).toBe("owner");
      await owner.teams.leave(team.id);
      expect((await failure(owner.teams.get(team.id))).status).toBe(404);
      await admin.client.teams.removeMember(team.id, member.user.id);
      expect((await admin.client.teams.get(team.id)).memberCount).toBe(1);
      expect((await failure(member.client.teams.get(team.id))).status).toBe(404);
    });

    it("an account that alone owns a team others belong to is deleted only once it hands ownership over", async () => {
      const { client: owner } = await person("Olga");
      const team = await owner.teams.create({ name: "Crew", kind: "team" });
      const solo = await owner.teams.create({ name: "Just me", kind: "team" });
      const member = await joined(owner, team, "Max", "member");
      const refused = await failure(owner.auth.deleteAccount({ password: PASSWORD }));
      expect([refused.status, refused.type]).toEqual([409, `${P}sole-team-owner`]);
      expect(refused.detail).toContain("Crew");
      expect(refused.detail).not.toContain("Just me");
      expect((await owner.teams.list()).map((t) => t.id).sort()).toEqual([team.id, solo.id].sort());

      await owner.teams.transfer(team.id, member.user.id);
      await owner.auth.deleteAccount({ password: PASSWORD });
      expect(await member.client.teams.get(team.id)).toMatchObject({ role: "owner", memberCount: 1 });
    });

    it("a class: the teacher picks lessons and sees every student's progress; a student sees their own", async () => {
      const { client: teacher } = await person("Tess");
      const klass = await teacher.teams.create({ name: "Beats 101", kind: "class" });
      const set = await teacher.teams.setLessons(klass.id, ["counting-beats", "quarter-notes"]);
      expect(set.map((l) => [l.id, l.position])).toEqual([
        ["counting-beats", 0],
        ["quarter-notes", 1],
      ]);
      expect(set[0]).toMatchObject({
        title: expect.any(String),
        category: expect.any(String),
        isPremium: false,
      });
      const unknown = await failure(teacher.teams.setLessons(klass.id, ["counting-beats", "no-such-lesson"]));
      expect([unknown.status, unknown.errors.map((e) => e.path)]).toEqual([400, ["lessonIds.1"]]);
      const twice = await failure(teacher.teams.setLessons(klass.id, ["counting-beats", "counting-beats"]));
      expect(twice.errors.map((e) => e.path)).toEqual(["lessonIds.1"]);

      const amy = await joined(teacher, klass, "Amy", "student");
      const bob = await joined(teacher, klass, "Bob", "student");
      expect((await amy.client.teams.lessons(klass.id)).map((l) => l.id)).toEqual([
        "counting-beats",
        "quarter-notes",
      ]);
      await amy.client.dataSync.saveProgress({ lessonId: "counting-beats", score: 85, completed: true });
      await amy.client.dataSync.saveProgress({ lessonId: "counting-beats", score: 60 });
      await bob.client.dataSync.saveProgress({ lessonId: "counting-beats", score: 9 });

      const table = await teacher.teams.progress(klass.id);
      expect(table.lessons.map((l) => l.id)).toEqual(["counting-beats", "quarter-notes"]);
      expect(table.nextCursor).toBeNull();
      expect(table.students).toEqual([
        {
          userId: amy.user.id,
          displayName: "Amy",
          progress: {
            "counting-beats": {
              completed: true,
              bestScore: 85,
              attempts: 2,
              completedAt: expect.any(String),
            },
          },
        },
        {
          userId: bob.user.id,
          displayName: "Bob",
          progress: { "counting-beats": { completed: false, bestScore: 9, attempts: 1, completedAt: null } },
        },
      ]);
      const first = await teacher.teams.progress(klass.id, { limit: 1 });
      expect(first.students.map((s) => s.displayName)).toEqual(["Amy"]);
      const next = await teacher.teams.progress(klass.id, { limit: 1, cursor: first.nextCursor ?? "" });
      expect([next.students.map((s) => s.displayName), next.nextCursor]).toEqual([["Bob"], null]);

      // A student: their own row only; no summary, no lesson picking.
      expect((await bob.client.teams.progress(klass.id)).students.map((s) => s.userId)).toEqual([
        bob.user.id,
      ]);
      expect((await failure(bob.client.teams.progressSummary(klass.id))).type).toBe(`${P}team-role-required`);
      expect((await failure(bob.client.teams.setLessons(klass.id, []))).status).toBe(403);

      const summary = await teacher.teams.progressSummary(klass.id);
      const buckets = (counts: Record<number, number>) =>
        Array.from({ length: 10 }, (_, i) => ({
          from: i * 10,
          to: i === 9 ? 100 : i * 10 + 9,
          count: counts[i] ?? 0,
        }));
      expect(summary.lessons).toEqual([
        {
          lessonId: "counting-beats",
          title: set[0]?.title,
          students: 2,
          attempted: 2,
          completed: 1,
          bestScores: buckets({ 0: 1, 8: 1 }),
        },
        {
          lessonId: "quarter-notes",
          title: set[1]?.title,
          students: 2,
          attempted: 0,
          completed: 0,
          bestScores: buckets({}),
        },
      ]);

      // Lessons and progress are for classes.
      const team = await teacher.teams.create({ name: "Not a class", kind: "team" });
      const notClass = await failure(teacher.teams.lessons(team.id));
      expect([notClass.status, notClass.type]).toEqual([409, `${P}not-a-class`]);
    });

    it("a premium lesson of a class opens to its members when an owner is premium", async () => {
      const { client: teacher, email } = await person("Tess");
      const klass = await teacher.teams.create({ name: "Advanced", kind: "class" });
      await teacher.teams.setLessons(klass.id, ["sixteenth-notes"]);
      const student = await joined(teacher, klass, "Sid", "student");
      const locked = await failure(student.client.teams.lesson(klass.id, "sixteenth-notes"));
      expect([locked.status, locked.type]).toEqual([403, `${P}premium-required`]);
      const unsaved = await failure(
        student.client.dataSync.saveProgress({ lessonId: "sixteenth-notes", score: 60 }),
      );
      expect([unsaved.status, unsaved.type]).toEqual([403, `${P}premium-required`]);
      await target.promote(email, { tier: "premium" });
      // The student's attempts on it count too.
      expect(
        await student.client.dataSync.saveProgress({
          lessonId: "sixteenth-notes",
          score: 60,
          completed: true,
        }),
      ).toMatchObject({ lessonId: "sixteenth-notes", bestScore: 60, completed: true });
      expect(await student.client.teams.lesson(klass.id, "sixteenth-notes")).toMatchObject({
        id: "sixteenth-notes",
        isPremium: true,
        config: expect.any(Object),
      });
      expect((await failure(student.client.teams.lesson(klass.id, "counting-beats"))).status).toBe(404);
    });

    it("team patterns: any member creates, every member syncs them, only managers or the author change them", async () => {
      const { client: owner } = await person("Olga");
      const team = await owner.teams.create({ name: "Crew", kind: "team" });
      const max = await joined(owner, team, "Max", "member");
      const kim = await joined(owner, team, "Kim", "member");

      const made = await max.client.dataSync.savePattern({
        ...pattern({ name: "Crew groove" }),
        teamId: team.id,
      });
      expect(made).toMatchObject({ teamId: team.id, authorId: max.user.id, version: 1, syncState: "synced" });
      expect(await max.client.dataSync.loadPatterns()).toEqual([]);

      const seen = await owner.dataSync.team(team.id).loadPatterns();
      expect(seen.map((p) => [p.id, p.name])).toEqual([[made.id, "Crew groove"]]);
      expect((await kim.client.dataSync.loadPatterns({ teamId: team.id })).map((p) => p.id)).toEqual([
        made.id,
      ]);
      expect(await owner.dataSync.loadPatterns()).toEqual([]);
      expect((await kim.client.dataSync.loadPattern(made.id)).name).toBe("Crew groove");

      // Another member's change is refused; the owner's goes through and reaches the author.
      const refused = await kim.client.dataSync
        .team(team.id)
        .savePattern({ ...pattern({ name: "Mine" }), id: made.id });
      expect(refused.syncState).toBe("rejected");
      await owner.dataSync.team(team.id).savePattern({ ...pattern({ name: "Crew groove 2" }), id: made.id });
      const synced = await max.client.dataSync.team(team.id).syncPatterns();
      expect(synced.downloaded).toBe(1);
      expect(
        (await max.client.dataSync.team(team.id).loadPatterns()).map((p) => [p.name, p.version]),
      ).toEqual([["Crew groove 2", 2]]);

      // Outside the team: neither the pattern nor the team's sync.
      const { client: other } = await person("Otto");
      expect((await failure(other.dataSync.loadPattern(made.id))).status).toBe(404);
      expect((await failure(other.dataSync.team(team.id).syncPatterns())).type).toBe(`${P}team-not-found`);
    });

    it("a deleted member's team patterns stay the team's, passed to its owner; their own go", async () => {
      const { client: owner, user: olga } = await person("Olga");
      const team = await owner.teams.create({ name: "Crew", kind: "team" });
      const max = await joined(owner, team, "Max", "member");
      const made = await max.client.dataSync.savePattern({
        ...pattern({ name: "Crew groove" }),
        teamId: team.id,
      });
      await max.client.dataSync.savePattern(pattern({ name: "Max's own" }));
      expect((await owner.dataSync.team(team.id).loadPatterns()).map((p) => p.authorId)).toEqual([
        max.user.id,
      ]);

      await max.client.auth.deleteAccount({ password: PASSWORD });
      // The hand-over is a change on the team's cursor: a synced device downloads it.
      expect((await owner.dataSync.team(team.id).syncPatterns()).downloaded).toBe(1);
      const kept = await owner.dataSync.team(team.id).loadPatterns();
      expect(kept.map((p) => [p.id, p.name, p.authorId])).toEqual([[made.id, "Crew groove", olga.id]]);
      expect((await owner.teams.get(team.id)).memberCount).toBe(1);
    });

    it("team API keys: managers make them with team scopes; members may not", async () => {
      const { client: owner, user: olga } = await person("Olga");
      const team = await owner.teams.create({ name: "Crew", kind: "team" });
      const member = await joined(owner, team, "Max", "member");
      const key = await owner.teams.createApiKey(team.id, { name: "CI", scopes: ["patterns:read"] });
      expect(key).toMatchObject({
        teamId: team.id,
        createdBy: olga.id,
        name: "CI",
        scopes: ["patterns:read"],
        revokedAt: null,
      });
      expect(key.secret).toMatch(/^bk_(test|live)_/);
      expect((await owner.teams.apiKeys(team.id)).map((k) => [k.id, k.createdBy, "secret" in k])).toEqual([
        [key.id, olga.id, false],
      ]);
      const bad = await failure(
        owner.teams.createApiKey(team.id, { name: "X", scopes: ["lessons:write" as "patterns:read"] }),
      );
      expect([bad.status, bad.errors.map((e) => e.path)]).toEqual([400, ["scopes.0"]]);
      expect(
        (
          await failure(
            member.client.teams.createApiKey(team.id, { name: "Mine", scopes: ["patterns:read"] }),
          )
        ).status,
      ).toBe(403);
      const rotated = await owner.teams.rotateApiKey(team.id, key.id);
      expect(rotated.secret).not.toBe(key.secret);
      await owner.teams.revokeApiKey(team.id, key.id);
      expect((await owner.teams.apiKeys(team.id))[0]?.revokedAt).toEqual(expect.any(String));
      expect(shape(await failure(owner.teams.revokeApiKey(team.id, key.id))).status).toBe(404);
    });
  });
}
