// The "Teams & classes" panel: create a team or a class, open one (or the one `?team=` names,
// where the join page lands), its members with their roles (change, remove, transfer, leave),
// invitations by email (pending ones resent or revoked), for its managers its API keys
// (team-keys.js) and, for a team, its shared patterns.
// A class's lessons, table and summary are in class.js.
import { renderClass } from "./class.js";
import { renderTeamKeys } from "./team-keys.js";
import { byId, h, latestLoad, withLoading } from "./ui.js";

/** The roles of each kind, strongest first (the SDK's TEAM_ROLES_BY_KIND). */
const ROLES = { team: ["owner", "admin", "member"], class: ["owner", "teacher", "student"] };
const MANAGERS = ["owner", "admin", "teacher"];
/** owner 0, admin/teacher 1, member/student 2: the API refuses invitations above your own rank. */
const rank = (role) => (role === "owner" ? 0 : MANAGERS.includes(role) ? 1 : 2);

/** A small pattern for the team (a four-on-the-floor kick), enough to share and sync. */
function starterPattern(name) {
  return {
    name,
    tempo: 120,
    tracks: [{ instrument: "kick", steps: Array.from({ length: 16 }, (_, i) => i % 4 === 0), volume: 0.8 }],
  };
}

/** Initializes the panel; `app` is app.js's shared object. */
export function initTeams(app) {
  const { backline } = app;
  const panel = byId("teams-panel");
  const wanted = new URLSearchParams(location.search).get("team");

  const name = h("input", { id: "team-name", maxLength: 80, placeholder: "e.g. Beats 101" });
  const kind = h(
    "select",
    { id: "team-kind" },
    h("option", { value: "team" }, "Team"),
    h("option", { value: "class" }, "Class"),
  );
  const create = h("button", { type: "submit", id: "team-create" }, "Create");
  const form = h(
    "form",
    { id: "team-form", className: "row" },
    h("label", {}, "Name ", name),
    h("label", {}, "Kind ", kind),
    create,
  );
  const list = h("ul", { id: "team-list", className: "list" });
  const detail = h("div", { id: "team-detail", hidden: true });
  const signedOut = h("p", { className: "muted" }, "Sign in to see your teams and classes.");
  panel.replaceChildren(signedOut, form, list, detail);

  let teams = [];
  /** Display names of the open team's members loaded so far, to name a team key's creator. */
  const memberNames = new Map();
  const nameOf = (userId) => (userId === app.user?.id ? "you" : memberNames.get(userId));

  const teamsLoad = latestLoad();

  async function loadTeams() {
    const loaded = await teamsLoad("Loading your teams", null, () => backline.teams.list());
    if (!loaded.ok) return;
    teams = loaded.value;
    list.replaceChildren(
      ...(teams.length > 0
        ? teams.map((team) =>
            h(
              "li",
              { className: "team-item", dataset: { teamId: team.id, kind: team.kind, role: team.role } },
              h("strong", { className: "team-name" }, team.name),
              h(
                "span",
                { className: "muted" },
                ` ${team.kind} · ${team.role} · ${team.memberCount} member(s) `,
              ),
              h(
                "button",
                { type: "button", className: "open-team", onclick: () => openTeam(team.id) },
                "Open",
              ),
            ),
          )
        : [h("li", { className: "muted" }, "No teams or classes yet.")]),
    );
  }

  const teamLoad = latestLoad();

  async function openTeam(id) {
    const loaded = await teamLoad("Opening the team", null, () => backline.teams.get(id));
    if (!loaded.ok) return;
    const team = loaded.value;
    const manager = MANAGERS.includes(team.role);
    detail.hidden = false;
    detail.dataset.teamId = team.id;
    detail.dataset.kind = team.kind;
    detail.dataset.role = team.role;
    const leave = h("button", { type: "button", id: "team-leave" }, "Leave");
    leave.addEventListener("click", async () => {
      const done = await withLoading(`Leaving “${team.name}”`, leave, () => backline.teams.leave(team.id));
      if (done.ok) await closeTeam(`You left “${team.name}”.`);
    });
    const remove = h(
      "button",
      { type: "button", id: "team-delete", className: "danger", hidden: team.role !== "owner" },
      "Delete",
    );
    remove.addEventListener("click", async () => {
      const done = await withLoading(`Deleting “${team.name}”`, remove, () => backline.teams.remove(team.id));
      if (done.ok) await closeTeam(`“${team.name}” deleted.`);
    });
    const parts = [
      h("h3", { id: "team-title" }, `${team.name} · ${team.kind}`),
      h("p", { id: "team-role", className: "muted" }, `You are ${team.role} here. `, leave, " ", remove),
      h("h4", {}, "Members"),
      h("ul", { id: "team-members", className: "list" }),
    ];
    if (manager)
      parts.push(
        inviteForm(team),
        h("h4", {}, "Pending invitations"),
        h("ul", { id: "team-invitations", className: "list" }),
        h("div", { id: "team-keys" }),
      );
    parts.push(h("div", { id: "team-extra" }));
    detail.replaceChildren(...parts);
    memberNames.clear();
    await Promise.all([loadMembers(team), manager ? loadInvitations(team) : undefined]);
    // Only managers may list a team's keys (the API answers 403 to everyone else).
    if (manager) await renderTeamKeys(app, byId("team-keys"), team, nameOf);
    if (team.kind === "class") await renderClass(app, byId("team-extra"), team);
    else await renderTeamPatterns(team);
  }

  async function closeTeam(message) {
    detail.hidden = true;
    detail.replaceChildren();
    app.notice(message);
    await loadTeams();
  }

  function memberItem(team, member) {
    const me = member.userId === app.user?.id;
    const item = h(
      "li",
      { className: "member-item", dataset: { userId: member.userId, role: member.role } },
      h("strong", {}, member.displayName),
      member.email ? h("span", { className: "muted" }, ` ${member.email}`) : null,
      h("span", { className: "member-role" }, ` ${member.role}${me ? " (you)" : ""} `),
    );
    if (!MANAGERS.includes(team.role) || me) return item;
    const roles = ROLES[team.kind].filter(
      (r) => team.role === "owner" || (r !== "owner" && member.role !== "owner"),
    );
    if (roles.includes(member.role)) {
      const select = h(
        "select",
        { className: "member-role-select", "aria-label": `Role of ${member.displayName}` },
        roles.map((r) => h("option", { value: r, selected: r === member.role }, r)),
      );
      select.addEventListener("change", async () => {
        const done = await withLoading(`Changing ${member.displayName}'s role`, select, () =>
          backline.teams.setRole(team.id, member.userId, select.value),
        );
        if (done.ok) app.notice(`${member.displayName} is now ${done.value.role}.`);
        await loadMembers(team);
      });
      const remove = h("button", { type: "button", className: "remove-member" }, "Remove");
      remove.addEventListener("click", async () => {
        const done = await withLoading(`Removing ${member.displayName}`, remove, () =>
          backline.teams.removeMember(team.id, member.userId),
        );
        if (done.ok) await loadMembers(team);
      });
      item.append(select, " ", remove);
    }
    if (team.role === "owner") {
      const transfer = h("button", { type: "button", className: "transfer-team" }, "Make owner, step down");
      transfer.addEventListener("click", async () => {
        const done = await withLoading(`Handing “${team.name}” to ${member.displayName}`, transfer, () =>
          backline.teams.transfer(team.id, member.userId),
        );
        if (done.ok) await openTeam(team.id);
      });
      item.append(" ", transfer);
    }
    return item;
  }

  async function loadMembers(team, cursor) {
    const loaded = await withLoading("Loading the members", null, () =>
      backline.teams.members(team.id, { cursor }),
    );
    if (!loaded.ok) return;
    const members = byId("team-members");
    if (!cursor) members.replaceChildren();
    for (const m of loaded.value.members) memberNames.set(m.userId, m.displayName);
    members.querySelector(".more-members")?.remove();
    members.append(...loaded.value.members.map((m) => memberItem(team, m)));
    if (loaded.value.nextCursor) {
      const more = h("button", { type: "button", className: "more-members" }, "More");
      more.addEventListener("click", () => loadMembers(team, loaded.value.nextCursor));
      members.append(h("li", { className: "more-members" }, more));
    }
  }

  function inviteForm(team) {
    const email = h("input", { id: "invite-email", type: "email", placeholder: "someone@example.com" });
    const role = h(
      "select",
      { id: "invite-role" },
      ROLES[team.kind]
        .filter((r) => rank(r) >= rank(team.role))
        .map((r) => h("option", { value: r, selected: r === ROLES[team.kind][2] }, r)),
    );
    const send = h("button", { type: "submit", id: "invite-send" }, "Invite");
    const invite = h(
      "form",
      { id: "invite-form", className: "row" },
      h("label", {}, "Invite by email ", email),
      h("label", {}, "as ", role),
      send,
    );
    invite.addEventListener("submit", async (event) => {
      event.preventDefault();
      const done = await withLoading("Sending the invitation", send, () =>
        backline.teams.invite(team.id, { email: email.value.trim(), role: role.value }),
      );
      if (!done.ok) return;
      app.notice(`Invitation sent to ${done.value.email}.`);
      invite.reset();
      role.value = ROLES[team.kind][2];
      await loadInvitations(team);
    });
    return invite;
  }

  const invitationsLoad = latestLoad();

  async function loadInvitations(team) {
    const loaded = await invitationsLoad("Loading the invitations", null, () =>
      backline.teams.invitations(team.id),
    );
    if (!loaded.ok) return;
    byId("team-invitations").replaceChildren(
      ...(loaded.value.length > 0
        ? loaded.value.map((invitation) => {
            const resend = h("button", { type: "button", className: "resend-invitation" }, "Resend");
            resend.addEventListener("click", async () => {
              const done = await withLoading(`Resending to ${invitation.email}`, resend, () =>
                backline.teams.resendInvitation(team.id, invitation.id),
              );
              if (done.ok) app.notice(`A new link went to ${invitation.email}; the old one no longer works.`);
              await loadInvitations(team);
            });
            const revoke = h("button", { type: "button", className: "revoke-invitation danger" }, "Revoke");
            revoke.addEventListener("click", async () => {
              const done = await withLoading(`Revoking the invitation to ${invitation.email}`, revoke, () =>
                backline.teams.revokeInvitation(team.id, invitation.id),
              );
              if (done.ok) await loadInvitations(team);
            });
            return h(
              "li",
              {
                className: "invitation-item",
                dataset: { invitationId: invitation.id, email: invitation.email },
              },
              h("strong", {}, invitation.email),
              h(
                "span",
                { className: "muted" },
                ` as ${invitation.role}, by ${invitation.invitedBy.displayName}, until ${new Date(invitation.expiresAt).toLocaleDateString()} `,
              ),
              resend,
              " ",
              revoke,
            );
          })
        : [h("li", { className: "muted" }, "No pending invitations.")]),
    );
  }

  /** A team's shared patterns: every member sees them; any member adds one. */
  async function renderTeamPatterns(team) {
    const sync = backline.dataSync.team(team.id);
    const patternName = h("input", {
      id: "team-pattern-name",
      maxLength: 120,
      placeholder: "e.g. Crew groove",
    });
    const add = h("button", { type: "submit", id: "team-pattern-create" }, "Add a pattern");
    const refresh = h("button", { type: "button", id: "team-pattern-sync" }, "Sync");
    const items = h("ul", { id: "team-patterns", className: "list" });
    const addForm = h("form", { className: "row" }, h("label", {}, "Name ", patternName), add, refresh);
    byId("team-extra").replaceChildren(h("h4", {}, "Team patterns"), addForm, items);

    async function load() {
      const loaded = await withLoading("Loading the team's patterns", refresh, () => sync.loadPatterns());
      if (!loaded.ok) return;
      items.replaceChildren(
        ...(loaded.value.length > 0
          ? loaded.value.map((p) =>
              h(
                "li",
                {
                  className: "team-pattern-item",
                  dataset: { patternId: p.id, name: p.name, state: p.syncState },
                },
                h("span", { className: "pattern-name" }, p.name),
                h(
                  "span",
                  { className: "muted" },
                  ` ${p.tempo} BPM${p.syncState === "synced" ? "" : ` · ${p.syncState}`}`,
                ),
              ),
            )
          : [h("li", { className: "muted" }, "No team patterns yet.")]),
      );
    }
    addForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const done = await withLoading("Saving the team pattern", add, () =>
        sync.savePattern(starterPattern(patternName.value.trim())),
      );
      if (done.ok) addForm.reset();
      await load();
    });
    refresh.addEventListener("click", load);
    await load();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const created = await withLoading("Creating", create, () =>
      backline.teams.create({ name: name.value.trim(), kind: kind.value }),
    );
    if (!created.ok) return;
    form.reset();
    await loadTeams();
    await openTeam(created.value.id);
  });

  app.onUser(async (user) => {
    signedOut.hidden = Boolean(user);
    form.hidden = !user;
    list.replaceChildren();
    detail.hidden = true;
    detail.replaceChildren();
    if (!user) return;
    await loadTeams();
    if (wanted && teams.some((t) => t.id === wanted)) await openTeam(wanted);
  });
}
