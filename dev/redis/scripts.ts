import { createHash } from "node:crypto";

/** Shebang flags Redis 7 understands; others (Upstash's allow-key-locking) make it reject the script. */
const REDIS_SCRIPT_FLAGS = new Set([
  "no-writes",
  "allow-oom",
  "allow-stale",
  "no-cluster",
  "allow-cross-slot-keys",
]);

/** Hex SHA1, as Redis names scripts. */
export function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/**
 * Drops shebang flags Redis does not know (e.g. `#!lua flags=allow-key-locking` from
 * @upstash/ratelimit); scripts without a shebang are returned unchanged.
 */
export function rewriteShebang(script: string): string {
  if (!script.startsWith("#!")) return script;
  const end = script.indexOf("\n");
  const line = end < 0 ? script : script.slice(0, end);
  const rest = end < 0 ? "" : script.slice(end);
  const [engine = "#!lua", ...options] = line.split(/\s+/).filter(Boolean);
  const kept = options.flatMap((option) => {
    if (!option.startsWith("flags=")) return [option];
    const flags = option
      .slice("flags=".length)
      .split(",")
      .filter((flag) => REDIS_SCRIPT_FLAGS.has(flag));
    return flags.length > 0 ? [`flags=${flags.join(",")}`] : [];
  });
  return [engine, ...kept].join(" ") + rest;
}

/**
 * Keeps clients' script SHAs valid across the shebang rewrite: EVAL sends the rewritten text and
 * remembers SHA1(original) -> SHA1(rewritten); EVALSHA translates the client's SHA, so an unknown
 * SHA still yields NOSCRIPT and the SDK falls back to EVAL.
 */
export class ScriptRegistry {
  private readonly backendSha = new Map<string, string>();

  /** Rewrites one command for the backend. */
  translate(args: string[]): string[] {
    const [name = "", first, ...rest] = args;
    if (first === undefined) return args;
    if (name.toUpperCase() === "EVAL") {
      const rewritten = rewriteShebang(first);
      if (rewritten !== first) this.backendSha.set(sha1(first), sha1(rewritten));
      return [name, rewritten, ...rest];
    }
    if (name.toUpperCase() === "EVALSHA")
      return [name, this.backendSha.get(first.toLowerCase()) ?? first, ...rest];
    return args;
  }
}
