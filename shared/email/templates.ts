import type { QueuedEmail } from "../../db/schema/email";

/**
 * The emails Backline sends, with the parameters the outbox keeps for each: never a secret.
 * The link of `verify-email`, `reset-password`, `email-change-confirm` and `team-invitation` is made when the
 * email is sent, around a token secret minted then (shared/email/outbox.ts).
 */
export type EmailTemplate =
  | { template: "welcome"; displayName: string }
  | { template: "verify-email"; displayName: string }
  | { template: "reset-password" }
  | { template: "password-changed"; displayName: string }
  | { template: "account-deleted"; displayName: string }
  | { template: "password-guessing"; displayName: string }
  | { template: "identity-linked"; displayName: string; provider: string; providerEmail: string }
  | { template: "identity-added"; displayName: string; provider: string; providerEmail: string }
  | { template: "identity-removed"; displayName: string; provider: string }
  | { template: "email-change-confirm"; displayName: string }
  | { template: "email-change-requested"; displayName: string; newEmail: string }
  | { template: "email-change-taken" }
  | { template: "email-changed"; displayName: string; newEmail: string }
  | { template: "totp-enabled"; displayName: string }
  | { template: "totp-disabled"; displayName: string }
  | { template: "recovery-codes-regenerated"; displayName: string }
  | { template: "recovery-code-used"; displayName: string; remaining: string }
  | { template: "passkey-added"; displayName: string; name: string }
  | { template: "passkey-renamed"; displayName: string; name: string; previousName: string }
  | { template: "passkey-removed"; displayName: string; name: string }
  | { template: "passkey-second-factor"; displayName: string; name: string }
  | { template: "mfa-reset"; displayName: string }
  | { template: "team-invitation"; inviterName: string; teamName: string; role: string };

/** A rendered email: its subject and both bodies. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const TEMPLATES: ReadonlySet<string> = new Set<EmailTemplate["template"]>([
  "welcome",
  "verify-email",
  "reset-password",
  "password-changed",
  "account-deleted",
  "password-guessing",
  "identity-linked",
  "identity-added",
  "identity-removed",
  "email-change-confirm",
  "email-change-requested",
  "email-change-taken",
  "email-changed",
  "totp-enabled",
  "totp-disabled",
  "recovery-codes-regenerated",
  "recovery-code-used",
  "passkey-added",
  "passkey-renamed",
  "passkey-removed",
  "passkey-second-factor",
  "mfa-reset",
  "team-invitation",
]);

/** An email as the outbox keeps it: the template's name and the rest as parameters. */
export function queuedEmail(email: EmailTemplate): QueuedEmail {
  const { template, ...params } = email;
  return { template, params };
}

/** Reads an outbox row back into the email it queued; throws for a template this code does not know. */
export function fromQueued(row: { template: string; params: Record<string, string> | null }): EmailTemplate {
  if (!TEMPLATES.has(row.template)) throw new Error(`unknown email template ${row.template}`);
  return { ...row.params, template: row.template } as EmailTemplate;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function layout(paragraphs: string[], action?: { label: string; link: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n");
  const button = action
    ? `<p><a href="${escapeHtml(action.link)}" style="display:inline-block;padding:10px 16px;background:#222;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(action.label)}</a></p>`
    : "";
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">${body}${button}</body></html>`;
}

/** Renders one email; `link` is the minted link of the templates that carry one. */
export function renderEmail(
  email: EmailTemplate,
  link?: string,
  appName = "Music Producer Lab",
): RenderedEmail {
  switch (email.template) {
    case "welcome": {
      const lines = [
        `Hi ${email.displayName},`,
        `Welcome to ${appName}! Your patterns and progress now follow you to every device.`,
      ];
      return {
        subject: `Welcome to ${appName}`,
        text: lines.join("\n\n"),
        html: layout(lines),
      };
    }
    case "verify-email": {
      if (!link) throw new Error("verify-email needs its link");
      const lines = [
        `Hi ${email.displayName},`,
        "Please confirm your email address. The link works for 24 hours.",
      ];
      return {
        subject: "Confirm your email address",
        text: [...lines, link].join("\n\n"),
        html: layout(lines, { label: "Confirm email", link }),
      };
    }
    case "reset-password": {
      if (!link) throw new Error("reset-password needs its link");
      const lines = [
        "Someone asked to reset the password of this account. If it was you, use the link within an hour.",
        "If it was not you, ignore this email; your password stays as it is.",
      ];
      return {
        subject: "Reset your password",
        text: [...lines, link].join("\n\n"),
        html: layout(lines, { label: "Choose a new password", link }),
      };
    }
    case "password-changed": {
      const lines = [
        `Hi ${email.displayName},`,
        "Your password was just changed and your other sessions were signed out.",
        "If this was not you, reset your password at once.",
      ];
      return {
        subject: "Your password was changed",
        text: lines.join("\n\n"),
        html: layout(lines),
      };
    }
    case "account-deleted": {
      const lines = [
        `Hi ${email.displayName},`,
        `Your ${appName} account and its data have been deleted. We are sorry to see you go.`,
      ];
      return {
        subject: "Your account was deleted",
        text: lines.join("\n\n"),
        html: layout(lines),
      };
    }
    case "password-guessing": {
      const lines = [
        `Hi ${email.displayName},`,
        "Someone is trying to guess your password: so many wrong passwords were tried that sign-in with a password is paused for this account for up to an hour.",
        "If it was you, wait a while before you try again.",
        'If it was not you, your account stays safe as long as your password is strong and used nowhere else. You can choose a new password at any time with "Forgot password" on the sign-in page.',
      ];
      return {
        subject: "Someone is trying your password",
        text: lines.join("\n\n"),
        html: layout(lines),
      };
    }
    case "identity-linked": {
      const lines = [
        `Hi ${email.displayName},`,
        `Signing in with ${email.provider} (${email.providerEmail}) now also opens your ${appName} account: the address matched yours and both were verified, so the two were linked.`,
        "If this was not you, reset your password at once and contact us.",
      ];
      return {
        subject: `${email.provider} sign-in was linked to your account`,
        text: lines.join("\n\n"),
        html: layout(lines),
      };
    }
    case "identity-added":
      return notice(email.displayName, `${email.provider} sign-in was added to your account`, [
        `Signing in with ${email.provider} (${email.providerEmail}) now also opens your ${appName} account: it was linked from your account settings.`,
      ]);
    case "identity-removed":
      return notice(email.displayName, `${email.provider} sign-in was removed from your account`, [
        `Signing in with ${email.provider} no longer opens your ${appName} account: it was unlinked from your account settings.`,
      ]);
    case "email-change-confirm": {
      if (!link) throw new Error("email-change-confirm needs its link");
      const lines = [
        `Hi ${email.displayName},`,
        `Please confirm that your ${appName} account should use this address from now on. The link works for 24 hours; until you open it, nothing changes.`,
        "If you did not ask for this, ignore this email.",
      ];
      return {
        subject: "Confirm your new email address",
        text: [...lines, link].join("\n\n"),
        html: layout(lines, { label: "Use this address", link }),
      };
    }
    case "email-change-requested":
      return notice(email.displayName, "A change of your email address was requested", [
        `Someone signed in to your account asked to move it to ${email.newEmail}. Nothing changes until that address confirms.`,
      ]);
    case "email-change-taken": {
      const lines = [
        `Someone asked to move a ${appName} account to this address, but it already belongs to an account, so nothing was changed.`,
        "If it was you, sign in with this address instead. If not, ignore this email.",
      ];
      return {
        subject: "This address already has an account",
        text: lines.join("\n\n"),
        html: layout(lines),
      };
    }
    case "email-changed":
      return notice(email.displayName, "Your email address was changed", [
        `Your ${appName} account now uses ${email.newEmail}; this address no longer signs in, and your other sessions were signed out.`,
      ]);
    case "totp-enabled":
      return notice(email.displayName, "Two-step sign-in is on", [
        "An authenticator app was just set up for your account: signing in now asks for its code after your password.",
        "Keep your recovery codes somewhere safe; each one signs you in once if you lose the app.",
      ]);
    case "totp-disabled":
      return notice(email.displayName, "Two-step sign-in was turned off", [
        "The authenticator app of your account was just removed: a password alone signs in again.",
      ]);
    case "recovery-codes-regenerated":
      return notice(email.displayName, "New recovery codes", [
        "New recovery codes were just made for your account; the old ones no longer work.",
      ]);
    case "recovery-code-used":
      return notice(email.displayName, "A recovery code was used", [
        `A recovery code was just used to sign in to your account. ${email.remaining} unused codes are left.`,
      ]);
    case "passkey-added":
      return notice(email.displayName, "A passkey was added", [
        `The passkey "${email.name}" was just added to your account: it signs you in without a password.`,
      ]);
    case "passkey-renamed":
      return notice(email.displayName, "A passkey was renamed", [
        `The passkey "${email.previousName}" of your account is now called "${email.name}".`,
      ]);
    case "passkey-removed":
      return notice(email.displayName, "A passkey was removed", [
        `The passkey "${email.name}" was just removed from your account: it no longer signs you in.`,
      ]);
    case "passkey-second-factor":
      return notice(email.displayName, "A passkey confirmed a sign-in", [
        `The passkey "${email.name}" was just used as the second step of a sign-in to your account.`,
      ]);
    case "mfa-reset":
      return notice(email.displayName, "Two-step sign-in was reset", [
        "An administrator just removed the second factors of your account (authenticator app, recovery codes and passkeys): a password alone signs in again.",
        "Set up a new second factor from your account page.",
      ]);
    case "team-invitation": {
      if (!link) throw new Error("team-invitation needs its link");
      const lines = [
        `${email.inviterName} invited you to join ${email.teamName} as ${email.role} on ${appName}.`,
        `The link works for 7 days, once. Sign in (or create an account) with this address to accept.`,
        "If you do not know the sender, ignore this email.",
      ];
      return {
        subject: `${email.inviterName} invited you to join ${email.teamName}`,
        text: [...lines, link].join("\n\n"),
        html: layout(lines, { label: "Join the team", link }),
      };
    }
  }
}

/** A security notice: what happened, and what to do if it was not the account's owner. */
function notice(displayName: string, subject: string, paragraphs: string[]): RenderedEmail {
  const lines = [
    `Hi ${displayName},`,
    ...paragraphs,
    "If this was not you, change your password at once and review your account's sessions.",
  ];
  return { subject, text: lines.join("\n\n"), html: layout(lines) };
}
