// One file per domain; everything is re-exported here so drizzle-kit and the typed
// query builder see the whole schema.
export * from "./api-keys";
export * from "./audit";
export * from "./billing";
export * from "./email";
export * from "./events";
export * from "./identities";
export * from "./lessons";
export * from "./mfa";
export * from "./passkeys";
export * from "./patterns";
export * from "./sessions";
export * from "./shares";
export * from "./teams";
export * from "./users";
