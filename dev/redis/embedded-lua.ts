import { type RedisReply, RedisReplyError } from "./backend";
import { type EmbeddedCommand, fail, type MockInvoke, parseSafeInteger } from "./embedded";
import { sha1 } from "./scripts";

/**
 * Lua put in front of every script (on the script's first line, so line numbers stay right).
 * It fixes what ioredis-mock's fengari bridge gets wrong compared with Redis:
 * - replies reach Lua as JS proxies with JS null inside (GET of a missing key must be false),
 *   integer replies arrive as floats;
 * - number arguments must reach commands as strings ("%.17g", integers without ".0");
 * - the script's return value is converted here with Redis's rules (false -> nil, numbers
 *   truncated to integers, tables cut at the first nil) and tagged. Tagged tables are built
 *   with constructors: ioredis-mock only maps a Lua table to a JS array when lua_next yields
 *   its keys in constructor order, so a table filled by assignment comes back as an opaque proxy.
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
redis.call = function(...)
  local ok, r = pcall(__call, __args(...))
  if not ok then error(tostring(r), 0) end
  return __fix(r)
end
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
  if (tag === "i") return Number(rest[0]);
  if (tag === "s") return String(rest[0]);
  if (tag === "a") return rest.map(decodeTagged);
  return null;
}

async function runScript(invoke: MockInvoke, script: string, args: string[]): Promise<RedisReply> {
  const [numKeysText = "", ...rest] = args;
  const numKeys = parseSafeInteger(numKeysText);
  if (numKeys < 0) fail("ERR Number of keys can't be negative");
  if (numKeys > rest.length) fail("ERR Number of keys can't be greater than number of args");
  // Redis reads the shebang line itself; Lua must never see it.
  const body = script.replace(/^#![^\n]*/, "");
  const wrapped = `${PRELUDE} return __reply((function() ${body}\nend)())`;
  let tagged: unknown;
  try {
    tagged = await invoke("eval", wrapped, numKeys, ...rest);
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

/** EVAL and EVALSHA over one script cache (EVAL caches its script, as Redis does). */
export function createScriptCommands(): Record<string, EmbeddedCommand> {
  const cache = new Map<string, string>();
  return {
    eval: {
      arity: -3,
      run(invoke, [script = "", ...args]) {
        cache.set(sha1(script), script);
        return runScript(invoke, script, args);
      },
    },
    evalsha: {
      arity: -3,
      run(invoke, [sha = "", ...args]) {
        const script = cache.get(sha.toLowerCase());
        if (script === undefined) fail("NOSCRIPT No matching script. Please use EVAL.");
        return runScript(invoke, script, args);
      },
    },
  };
}
