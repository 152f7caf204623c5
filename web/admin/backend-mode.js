// Which backend the console uses, from its URL and /config.js: ?backend=real or ?backend=stub
// wins; else the config's `mode` (the deployed console's /config.js says "http": the API of the
// worker that serves it); else undefined, which the SDK takes as the stub (npm run dev).

/** The SDK mode for a page with this query string and config, or undefined for the SDK's default. */
export function consoleMode(search, config) {
  const requested = new URLSearchParams(search).get("backend");
  if (requested === "real") return "http";
  if (requested === "stub") return "stub";
  return config?.mode === "http" || config?.mode === "stub" ? config.mode : undefined;
}
