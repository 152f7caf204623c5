import { type RedisReply, RedisReplyError } from "./backend";
import {
  type EmbeddedCommand,
  type EmbeddedCommandTable,
  type EmbeddedContext,
  fail,
  parseSafeInteger,
  SYNTAX_ERROR,
} from "./embedded-util";
import { sha1 } from "./scripts";

/**
 * Lua put in front of every script (on the script's first line, so line numbers stay right).
 * It fixes what ioredis-mock's fengari bridge gets wrong compared with Redis:
 * - replies reach Lua as JS proxies with JS null inside (HMGET of a missing field must be false),
 *   integer replies arrive as floats;
 * - number arguments must reach commands as strings ("%.17g", integers without ".0");
 * - redis.pcall, error_reply, status_reply and friends;
 * - the script's return value is converted here with Redis's rules (false -> nil, numbers
 *   truncated to integers, tables cut at the first nil, {err=…}/{ok=…}) and tagged. Tagged
 *   tables are built with constructors: ioredis-mock only maps a Lua table to a JS array when
 *   lua_next yields its keys in constructor order, so a table filled by assignment comes back
 *   as an opaque proxy.
 */
const PRELUDE = `
local __call = redis.call
local function __fix(v)
  if v == nil then return false end
  local t = type(v)
  if t == "number" then return math.tointeger(v) or v end
  if t == "userdata" then
    local ok, n = pcall(function() return #v end)
    if not ok or type(n) ~= "number" then return false end
    local out = {}
    for i = 1, n do out[i] = __fix(v[i]) end
    return out
  end
  return v
end
local function __args(...)
  local a = table.pack(...)
  for i = 1, a.n do
    local x = a[i]
    if type(x) == "number" then
      local int = math.tointeger(x)
      a[i] = int and string.format("%d", int) or string.format("%.17g", x)
    end
  end
  return table.unpack(a, 1, a.n)
end
local function __error(e)
  local text = tostring(e)
  if text:find("reading 'bind'", 1, true) then return "ERR Unknown Redis command called from script" end
  return text
end
redis.call = function(...)
  local ok, r = pcall(__call, __args(...))
  if not ok then error(__error(r), 0) end
  return __fix(r)
end
redis.pcall = function(...)
  local ok, r = pcall(__call, __args(...))
  if ok then return __fix(r) end
  return { err = __error(r) }
end
redis.error_reply = function(m) return { err = m } end
redis.status_reply = function(m) return { ok = m } end
redis.log = function() end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.setresp = function() end
redis.set_repl = function() end
redis.replicate_commands = function() return true end
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
local function __reply(v)
  local t = type(v)
  if v == nil or v == false then return { "n" } end
  if v == true then return { "i", "1" } end
  if t == "number" then
    local ok, s = pcall(string.format, "%d", v >= 0 and math.floor(v) or math.ceil(v))
    return { "i", ok and s or "0" }
  end
  if t == "string" then return { "s", v } end
  if t == "userdata" then return __reply(__fix(v)) end
  if t == "table" then
    if type(v.err) == "string" then return { "e", v.err } end
    if type(v.ok) == "string" then return { "o", v.ok } end
    local items = {}
    local i = 1
    while v[i] ~= nil do
      items[i] = __reply(v[i])
      i = i + 1
    end
    return { "a", table.unpack(items, 1, i - 1) }
  end
  return { "n" }
end
`
  .trim()
  .replace(/\s*\n\s*/g, " ");

/** Decodes the tagged value built by the prelude's __reply. */
function decodeTagged(value: unknown): RedisReply {
  if (!Array.isArray(value)) return null;
  const [tag, ...rest] = value as unknown[];
  switch (tag) {
    case "i":
      return Number(rest[0]);
    case "s":
    case "o":
      return String(rest[0]);
    case "e":
      throw new RedisReplyError(String(rest[0]));
    case "a":
      return rest.map(decodeTagged);
    default:
      return null;
  }
}

/** Redis parses the shebang line itself; Lua must never see it. */
function stripShebang(script: string): string {
  return script.startsWith("#!") ? script.replace(/^#![^\n]*/, "") : script;
}

async function runScript(ctx: EmbeddedContext, script: string, args: string[]): Promise<RedisReply> {
  const [numKeysText = "", ...rest] = args;
  const numKeys = parseSafeInteger(numKeysText);
  if (numKeys < 0) fail("ERR Number of keys can't be negative");
  if (numKeys > rest.length) fail("ERR Number of keys can't be greater than number of args");
  const wrapped = `${PRELUDE} return __reply((function() ${stripShebang(script)}\nend)())`;
  let tagged: unknown;
  try {
    tagged = await ctx.invoke("eval", wrapped, numKeys, ...rest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const detail = message
      .replace(/^Error trying to loading or executing lua code string in VM: /, "")
      .replace(/^\[string "[^\n]*?"\]:/, "user_script:");
    throw new RedisReplyError(
      /^[A-Z]+ /.test(detail) ? detail : `ERR Error running script (call to f_${sha1(script)}): ${detail}`,
    );
  }
  return decodeTagged(tagged);
}

/** EVAL, EVALSHA (and _RO variants) and SCRIPT LOAD/EXISTS/FLUSH over one script cache. */
export function createScriptCommands(): EmbeddedCommandTable {
  const cache = new Map<string, string>();
  const evalCommand: EmbeddedCommand = {
    arity: -3,
    run(ctx, [script = "", ...args]) {
      cache.set(sha1(script), script);
      return runScript(ctx, script, args);
    },
  };
  const evalShaCommand: EmbeddedCommand = {
    arity: -3,
    run(ctx, [sha = "", ...args]) {
      const script = cache.get(sha.toLowerCase());
      if (script === undefined) fail("NOSCRIPT No matching script. Please use EVAL.");
      return runScript(ctx, script, args);
    },
  };
  return {
    eval: evalCommand,
    eval_ro: evalCommand,
    evalsha: evalShaCommand,
    evalsha_ro: evalShaCommand,
    script: {
      arity: -2,
      async run(_ctx, [sub = "", ...args]) {
        switch (sub.toUpperCase()) {
          case "LOAD": {
            if (args.length !== 1 || args[0] === undefined)
              fail("ERR Unknown subcommand or wrong number of arguments");
            const sha = sha1(args[0]);
            cache.set(sha, args[0]);
            return sha;
          }
          case "EXISTS":
            return args.map((sha) => (cache.has(sha.toLowerCase()) ? 1 : 0));
          case "FLUSH":
            cache.clear();
            return "OK";
          default:
            return fail(SYNTAX_ERROR);
        }
      },
    },
  };
}
