/**
 * The stub's team rules that the contract suite (test/contract/teams.ts) does not reach through
 * the SDK alone: invitation expiry, the invitation email and what the stub keeps of its token,
 * the team cap, several owners, the premium rule's "owner" and the cascade of a team's deletion.
 */
import { describe, expect, it } from "vitest";
import { type Backline, type BacklineError, createBackline, memoryStorage } from "../src/index";

const PASSWORD = "a sturdy passphrase 42";
const P = "https://backline.dev/problems/";
const KEY = "backline:stub:db";

/** The parts of the stub's data these tests change. */
interface StubData {
  users: Record<string, { tier: string }>;
  teamTables: { invitations: Record<string, { expiresAt: string; tokenHash: string | null }> };
}

function setup() {
  const world = memoryStorage();
  const client = () =>
    createBackline({
      mode: "stub",
      storage: memoryStorage(),
      stubStorage: world,
      stubAppUrl: "https://app.test",
    });
  async function person(name: string) {
    const c = client();
    const email = `${name.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const user = await c.auth.signUp({ email, password: PASSWORD, displayName: name });
    return { client: c, email, user };
  }
  async function editDb(change: (db: StubData) => void) {
    const db = JSON.parse((await world.getItem(KEY)) ?? "{}") as StubData;
    change(db);
    await world.setItem(KEY, JSON.stringify(db));
  }
  async function tokenFor(address: string): Promise<string> {
    const [mail] = await client().readStubMailbox(address);
    const link = /https?:\/\/\S+/.exec(mail?.text ?? "")?.[0];
    return new URL(link ?? "about:blank").searchParams.get("token") ?? "";
  }
  async function joined(
    owner: Backline,
    teamId: string,
    name: string,
    role: "admin" | "member" | "teacher" | "student",
  ) {
    const member = await person(name);
    await owner.teams.invite(teamId, { email: member.email, role });
    await member.client.teams.acceptInvitation(await tokenFor(member.email));
    return member;
  }
  return { world, client, person, editDb, tokenFor, joined };
}

async function failure(promise: Promise<unknown>): Promise<BacklineError> {
  try {
    await promise;
  } catch (error) {
    return error as BacklineError;
  }
  throw new Error("expected the call to fail");
}

describe("stub teams", () => {
  it("emails the invitation with a /join link; keeps only the token's hash", async () => {
    const { world, client, person, tokenFor } = setup();
    const { client: owner } = await person("Olga");
    const team = await owner.teams.create({ name: "Crew", kind: "team" });
    await owner.teams.invite(team.id, { email: "ivy@example.com", role: "member" });
    const [mail] = await client().readStubMailbox("ivy@example.com");
    expect(mail).toMatchObject({
      template: "team-invitation",
      subject: "Olga invited you to join Crew",
      to: "ivy@example.com",
    });
    expect(mail?.text).toMatch(/^https:\/\/app\.test\/join\?token=[\w-]{43}$/m);
    const token = await tokenFor("ivy@example.com");
    // The outbox holds the email (it is the mailbox); the team tables hold only the hash.
    const { teamTables } = JSON.parse((await world.getItem(KEY)) ?? "{}") as StubData;
    expect(JSON.stringify(teamTables)).not.toContain(token);
    expect(Object.values(teamTables.invitations)[0]).toMatchObject({
      tokenHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it("refuses an expired invitation with the same 404 as an unknown one", async () => {
    const { client, person, editDb, tokenFor } = setup();
    const { client: owner } = await person("Olga");
    const team = await owner.teams.create({ name: "Crew", kind: "team" });
    const ivy = await person("Ivy");
    await owner.teams.invite(team.id, { email: ivy.email, role: "member" });
    const token = await tokenFor(ivy.email);
    await editDb((db) => {
      for (const i of Object.values(db.teamTables.invitations))
        i.expiresAt = new Date(Date.now() - 1000).toISOString();
    });
    for (const call of [
      () => client().teams.previewInvitation(token),
      () => ivy.client.teams.acceptInvitation(token),
    ]) {
      const error = await failure(call());
      expect([error.status, error.type]).toEqual([404, `${P}invitation-invalid`]);
    }
    // Still pending (a resend revives it with a new link), so a second invite is refused.
    expect((await failure(owner.teams.invite(team.id, { email: ivy.email, role: "member" }))).type).toBe(
      `${P}invitation-pending`,
    );
    const [pending] = await owner.teams.invitations(team.id);
    await owner.teams.resendInvitation(team.id, pending?.id ?? "");
    await ivy.client.teams.acceptInvitation(await tokenFor(ivy.email));
    expect((await ivy.client.teams.get(team.id)).role).toBe("member");
  });

  it("caps a user's teams at 100", async () => {
    const { person } = setup();
    const { client } = await person("Olga");
    for (let i = 0; i < 100; i++) await client.teams.create({ name: `Team ${i}`, kind: "team" });
    const error = await failure(client.teams.create({ name: "One more", kind: "team" }));
    expect([error.status, error.type]).toEqual([409, `${P}team-limit`]);
  });

  it("with two owners one may step down, then the other is the last", async () => {
    const { person, joined } = setup();
    const { client: owner, user } = await person("Olga");
    const team = await owner.teams.create({ name: "Crew", kind: "team" });
    const ada = await joined(owner, team.id, "Ada", "admin");
    await owner.teams.setRole(team.id, ada.user.id, "owner");
    expect(await owner.teams.setRole(team.id, user.id, "member")).toMatchObject({ role: "member" });
    expect((await failure(ada.client.teams.leave(team.id))).type).toBe(`${P}last-owner`);
    expect((await failure(ada.client.teams.removeMember(team.id, ada.user.id))).type).toBe(`${P}last-owner`);
  });

  it("a class's premium lessons open through a premium owner, not a premium teacher", async () => {
    const { person, joined, editDb } = setup();
    const { client: owner } = await person("Olga");
    const klass = await owner.teams.create({ name: "Advanced", kind: "class" });
    await owner.teams.setLessons(klass.id, ["sixteenth-notes"]);
    const teacher = await joined(owner, klass.id, "Tess", "teacher");
    const student = await joined(owner, klass.id, "Sid", "student");
    await editDb((db) => {
      const stored = db.users[teacher.user.id];
      if (stored) stored.tier = "premium";
    });
    expect((await failure(student.client.teams.lesson(klass.id, "sixteenth-notes"))).type).toBe(
      `${P}premium-required`,
    );
  });

  it("deleting a team takes its invitations, patterns and keys with it", async () => {
    const { client, person, tokenFor, joined } = setup();
    const { client: owner } = await person("Olga");
    const team = await owner.teams.create({ name: "Crew", kind: "team" });
    const max = await joined(owner, team.id, "Max", "member");
    const made = await max.client.dataSync
      .team(team.id)
      .savePattern({ name: "Groove", tempo: 100, tracks: [] });
    await owner.teams.invite(team.id, { email: "late@example.com", role: "member" });
    const token = await tokenFor("late@example.com");
    expect((await failure(max.client.teams.remove(team.id))).type).toBe(`${P}team-role-required`);
    await owner.teams.remove(team.id);
    expect((await failure(client().teams.previewInvitation(token))).status).toBe(404);
    expect((await failure(max.client.dataSync.loadPattern(made.id))).status).toBe(404);
    expect(await max.client.teams.list()).toEqual([]);
  });

  it("pages the members list", async () => {
    const { person, joined } = setup();
    const { client: owner } = await person("Olga");
    const team = await owner.teams.create({ name: "Crew", kind: "team" });
    for (const name of ["Ann", "Ben", "Cid"]) await joined(owner, team.id, name, "member");
    // Joined in the same millisecond or not, every member comes once over the pages.
    const first = await owner.teams.members(team.id, { limit: 2 });
    expect(first.members).toHaveLength(2);
    const rest = await owner.teams.members(team.id, { limit: 2, cursor: first.nextCursor ?? "" });
    expect(rest.nextCursor).toBeNull();
    expect([...first.members, ...rest.members].map((m) => m.displayName).sort()).toEqual([
      "Ann",
      "Ben",
      "Cid",
      "Olga",
    ]);
    expect((await failure(owner.teams.members(team.id, { limit: 0 }))).errors.map((e) => e.path)).toEqual([
      "limit",
    ]);
  });
});
