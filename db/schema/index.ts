// One file per domain (users, patterns, billing, …); each table is re-exported here so
// drizzle-kit and the typed query builder see the whole schema.
export {};
