import { createHash } from "node:crypto";
import type { RedisReply } from "./backend";

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

/** A backend command after script translation, with the fix to apply to its reply. */
export interface TranslatedCommand {
  args: string[];
  fixReply?: (reply: RedisReply) => RedisReply;
}

/**
 * Keeps clients' script SHAs valid across the shebang rewrite: EVAL/SCRIPT LOAD send the
 * rewritten text and remember SHA1(original) -> SHA1(rewritten); EVALSHA and SCRIPT EXISTS
 * translate the client's SHA, so an unknown SHA still yields NOSCRIPT and the SDK falls back to EVAL.
 */
export class ScriptRegistry {
  private readonly backendSha = new Map<string, string>();

  private rewrite(script: string): string {
    const rewritten = rewriteShebang(script);
    if (rewritten !== script) this.backendSha.set(sha1(script), sha1(rewritten));
    return rewritten;
  }

  private translateSha(sha: string): string {
    const lower = sha.toLowerCase();
    return this.backendSha.get(lower) ?? sha;
  }

  /** Rewrites one command for the backend. */
  translate(args: string[]): TranslatedCommand {
    const name = args[0]?.toUpperCase();
    const [, first, ...rest] = args;
    if (first === undefined) return { args };
    if (name === "EVAL" || name === "EVAL_RO")
      return { args: [args[0] ?? name, this.rewrite(first), ...rest] };
    if (name === "EVALSHA" || name === "EVALSHA_RO") {
      return { args: [args[0] ?? name, this.translateSha(first), ...rest] };
    }
    if (name !== "SCRIPT") return { args };
    const sub = first.toUpperCase();
    if (sub === "LOAD" && rest.length === 1 && rest[0] !== undefined) {
      const original = rest[0];
      return { args: [args[0] ?? name, first, this.rewrite(original)], fixReply: () => sha1(original) };
    }
    if (sub === "EXISTS")
      return { args: [args[0] ?? name, first, ...rest.map((sha) => this.translateSha(sha))] };
    if (sub === "FLUSH") this.backendSha.clear();
    return { args };
  }
}
