/**
 * The declared event catalogue. Imports nothing, so the config, the worker and the browser
 * SDK share one list.
 */

/** Names the SDK may send. EVENT_NAMES_EXTRA adds a deployment's own. */
export const CLIENT_EVENT_NAMES = [
  "page_view",
  "signed_in",
  "lesson_started",
  "lesson_completed",
  "pattern_saved",
  "pattern_played",
  "share_created",
  "share_opened",
  "plans_viewed",
  "checkout_started",
] as const;

/**
 * Names only the server writes, in the same batch as the action they record: a client
 * cannot be trusted to say it signed up or paid, so these are refused from the SDK.
 */
export const SERVER_EVENT_NAMES = ["sign_up", "checkout_completed", "subscription_canceled"] as const;

export type ClientEventName = (typeof CLIENT_EVENT_NAMES)[number];
export type ServerEventName = (typeof SERVER_EVENT_NAMES)[number];

/** What an event name looks like: snake_case, short. */
export const EVENT_NAME_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

/** Whether a name is reserved for the server. */
export function isServerEventName(name: string): boolean {
  return (SERVER_EVENT_NAMES as readonly string[]).includes(name);
}
