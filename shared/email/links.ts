import type { EmailTemplate } from "./templates";

/** The app page each link-carrying email opens, with its token in the query. */
const LINK_PAGES: Partial<Record<EmailTemplate["template"], string>> = {
  "verify-email": "verify-email",
  "reset-password": "reset-password",
  "email-change-confirm": "confirm-email",
  "team-invitation": "join",
};

/** The frontend link that carries an emailed token (`APP_URL/<page>?token=…`). */
export function tokenLink(appUrl: string, template: EmailTemplate["template"], token: string): string {
  const page = LINK_PAGES[template];
  if (!page) throw new Error(`${template} carries no link`);
  const url = new URL(page, `${appUrl}/`);
  url.searchParams.set("token", token);
  return url.toString();
}
