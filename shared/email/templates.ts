import type { RenderedEmail as StoredEmail } from "../../db/schema/email";

/** The emails Backline sends; each renders to a subject, a plain-text and an HTML body. */
export type EmailTemplate =
  | { template: "welcome"; displayName: string }
  | { template: "verify-email"; displayName: string; link: string }
  | { template: "reset-password"; link: string }
  | { template: "password-changed"; displayName: string }
  | { template: "account-deleted"; displayName: string }
  | { template: "password-guessing"; displayName: string };

/** A rendered email as the outbox stores it, from one of these templates. */
export interface RenderedEmail extends StoredEmail {
  template: EmailTemplate["template"];
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

/** Renders one email. */
export function renderEmail(email: EmailTemplate, appName = "Music Producer Lab"): RenderedEmail {
  switch (email.template) {
    case "welcome": {
      const lines = [
        `Hi ${email.displayName},`,
        `Welcome to ${appName}! Your patterns and progress now follow you to every device.`,
      ];
      return {
        template: email.template,
        subject: `Welcome to ${appName}`,
        text: lines.join("\n\n"),
        html: layout(lines),
      };
    }
    case "verify-email": {
      const lines = [
        `Hi ${email.displayName},`,
        "Please confirm your email address. The link works for 24 hours.",
      ];
      return {
        template: email.template,
        subject: "Confirm your email address",
        text: [...lines, email.link].join("\n\n"),
        html: layout(lines, { label: "Confirm email", link: email.link }),
      };
    }
    case "reset-password": {
      const lines = [
        "Someone asked to reset the password of this account. If it was you, use the link within an hour.",
        "If it was not you, ignore this email; your password stays as it is.",
      ];
      return {
        template: email.template,
        subject: "Reset your password",
        text: [...lines, email.link].join("\n\n"),
        html: layout(lines, { label: "Choose a new password", link: email.link }),
      };
    }
    case "password-changed": {
      const lines = [
        `Hi ${email.displayName},`,
        "Your password was just changed and your other sessions were signed out.",
        "If this was not you, reset your password at once.",
      ];
      return {
        template: email.template,
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
        template: email.template,
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
        template: email.template,
        subject: "Someone is trying your password",
        text: lines.join("\n\n"),
        html: layout(lines),
      };
    }
  }
}
