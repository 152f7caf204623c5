import { type Context, Hono } from "hono";
import { TRACE_SEGMENT } from "../counters";
import { errorMessage } from "../http-util";
import {
  type CommandOutcome,
  errorOutcome,
  type RedisBackend,
  type RedisReply,
  RedisReplyError,
} from "./backend";
import { ScriptRegistry } from "./scripts";

/** Commands that would break the shared connection (subscriber mode, blocking, session state). */
const REJECTED_COMMANDS = new Set([
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "UNSUBSCRIBE",
  "PUNSUBSCRIBE",
  "SUNSUBSCRIBE",
  "MONITOR",
  "QUIT",
  "RESET",
  "SELECT",
  "SWAPDB",
  "MULTI",
  "EXEC",
  "DISCARD",
  "WATCH",
  "UNWATCH",
  "SHUTDOWN",
  "BLPOP",
  "BRPOP",
  "BLMOVE",
  "BRPOPLPUSH",
  "BZPOPMIN",
  "BZPOPMAX",
  "BLMPOP",
  "BZMPOP",
  "WAIT",
]);

/** Validates one JSON command array and turns every argument into a string, as Upstash does. */
function parseCommand(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new RedisReplyError("ERR command must be a non-empty array");
  const args = value.map((arg: unknown) => {
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" || typeof arg === "boolean" || arg === null) return String(arg);
    return JSON.stringify(arg);
  });
  const name = args[0]?.toUpperCase() ?? "";
  if (REJECTED_COMMANDS.has(name)) {
    throw new RedisReplyError(`ERR Command is not allowed: ${name.toLowerCase()}`);
  }
  return args;
}

/** Renders a reply; with base64 every string except the status "OK" is base64 encoded. */
export function encodeReply(reply: RedisReply, base64: boolean): unknown {
  if (reply === null || typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64));
  const bytes = typeof reply === "string" ? Buffer.from(reply, "utf8") : reply;
  if (!base64) return bytes.toString("utf8");
  return bytes.length === 2 && bytes.toString("latin1") === "OK" ? "OK" : bytes.toString("base64");
}

function encodeOutcome(outcome: CommandOutcome, base64: boolean): unknown {
  return "error" in outcome ? { error: outcome.error } : { result: encodeReply(outcome.result, base64) };
}

/** Options for upstashApp. */
export interface UpstashOptions {
  token: string;
}

/**
 * Upstash Redis REST API under /redis: POST /redis with one command array, POST /redis/pipeline
 * and /redis/multi-exec with arrays of them; also GET/POST /redis/<command>/<arg>/… path style.
 * Any of these may be prefixed with /~trace/<key> (see counters.ts).
 */
export function upstashApp(backend: RedisBackend, options: UpstashOptions): Hono {
  const scripts = new ScriptRegistry();

  const runBatch = async (body: unknown, atomic: boolean): Promise<CommandOutcome[]> => {
    if (!Array.isArray(body)) throw new RedisReplyError("ERR request body must be an array of commands");
    const parsed = body.map((value): string[] | CommandOutcome => {
      try {
        return scripts.translate(parseCommand(value));
      } catch (error) {
        return errorOutcome(error);
      }
    });
    const commands = parsed.filter((item): item is string[] => Array.isArray(item));
    if (atomic && commands.length !== parsed.length) {
      throw new RedisReplyError("EXECABORT Transaction discarded because of previous errors.");
    }
    const outcomes =
      commands.length === 0 ? [] : await (atomic ? backend.multiExec(commands) : backend.pipeline(commands));
    let next = 0;
    return parsed.map((item) =>
      Array.isArray(item) ? (outcomes[next++] ?? { error: "ERR no reply" }) : item,
    );
  };

  const handle = async (c: Context): Promise<Response> => {
    const syncToken = c.req.header("upstash-sync-token");
    if (syncToken !== undefined) c.header("upstash-sync-token", syncToken);
    const token = c.req.header("authorization")?.replace(/^Bearer\s+/i, "") ?? c.req.query("_token");
    if (token !== options.token) return c.json({ error: "WRONGPASS invalid or missing auth token" }, 401);
    const base64 = c.req.header("upstash-encoding")?.toLowerCase() === "base64";
    const { method } = c.req;
    const text = await c.req.text();
    // `/redis/~trace/<key>/…` carries a trace key for the counters; route what follows it.
    const route = c.req.path.slice("/redis".length).replace(new RegExp(`^/${TRACE_SEGMENT}/[^/]+`), "");
    try {
      if (route === "/pipeline" || route === "/multi-exec") {
        if (method !== "POST") throw new RedisReplyError(`ERR use POST ${c.req.path}`);
        const outcomes = await runBatch(parseJson(text), route === "/multi-exec");
        return c.json(outcomes.map((outcome) => encodeOutcome(outcome, base64)));
      }
      let command: unknown;
      if (route === "" || route === "/") {
        if (method !== "POST") throw new RedisReplyError("ERR use POST /redis with a JSON command array");
        command = parseJson(text);
      } else {
        const args = route.slice(1).split("/").map(decodeURIComponent);
        if (method === "POST" && text.length > 0) args.push(text);
        command = args;
      }
      const result = await backend.command(scripts.translate(parseCommand(command)));
      return c.json({ result: encodeReply(result, base64) });
    } catch (error) {
      if (error instanceof RedisReplyError) return c.json({ error: error.message }, 400);
      return c.json({ error: errorMessage(error) }, 500);
    }
  };
  const app = new Hono();
  app.all("/redis", handle);
  app.all("/redis/*", handle);
  return app;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
