// One file per domain; everything is re-exported here so drizzle-kit and the typed
// query builder see the whole schema.
export * from "./audit";
export * from "./billing";
export * from "./email";
export * from "./identities";
export * from "./lessons";
export * from "./mfa";
export * from "./passkeys";
export * from "./patterns";
export * from "./sessions";
export * from "./shares";
export * from "./users";
