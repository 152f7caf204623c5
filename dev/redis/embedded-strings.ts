import type { RedisReply } from "./backend";
import {
  addInteger,
  arityError,
  asString,
  type EmbeddedCommand,
  type EmbeddedCommandTable,
  type EmbeddedContext,
  fail,
  formatFloat,
  parseFloatArg,
  parseInteger,
  parseSafeInteger,
  SYNTAX_ERROR,
  toReply,
  WRONGTYPE,
} from "./embedded-util";

/** Sets an absolute expiry in ms; a time already past deletes the key, as Redis does. */
async function expireAt(ctx: EmbeddedContext, key: string, atMs: number): Promise<void> {
  const delta = atMs - Date.now();
  if (delta <= 0) await ctx.invoke("del", key);
  else await ctx.invoke("pexpire", key, delta);
}

/** Writes a string value, replacing a value of any type and clearing its TTL (plain SET semantics). */
async function writeString(ctx: EmbeddedContext, key: string, value: string): Promise<void> {
  const type = await ctx.typeOf(key);
  if (type !== "none" && type !== "string") await ctx.invoke("del", key);
  await ctx.invoke("set", key, value);
}

async function setCommand(ctx: EmbeddedContext, args: string[]): Promise<RedisReply> {
  const [key = "", value = "", ...options] = args;
  let nx = false;
  let xx = false;
  let get = false;
  let keepTtl = false;
  let expiresAt: number | undefined;
  for (let i = 0; i < options.length; i += 1) {
    const option = options[i]?.toUpperCase();
    if (option === "NX" && !xx) nx = true;
    else if (option === "XX" && !nx) xx = true;
    else if (option === "GET") get = true;
    else if (option === "KEEPTTL" && expiresAt === undefined) keepTtl = true;
    else if ((option === "EX" || option === "PX" || option === "EXAT" || option === "PXAT") && !keepTtl) {
      const raw = options[i + 1];
      if (raw === undefined || expiresAt !== undefined) fail(SYNTAX_ERROR);
      i += 1;
      const amount = parseSafeInteger(raw);
      if (amount <= 0) fail("ERR invalid expire time in 'set' command");
      const now = Date.now();
      expiresAt = { EX: now + amount * 1000, PX: now + amount, EXAT: amount * 1000, PXAT: amount }[option];
    } else fail(SYNTAX_ERROR);
  }
  const type = await ctx.typeOf(key);
  if (get && type !== "none" && type !== "string") fail(WRONGTYPE);
  const previous = get && type === "string" ? asString(await ctx.invoke("get", key)) : null;
  const exists = type !== "none";
  if ((nx && exists) || (xx && !exists)) return get ? previous : null;
  const ttl = keepTtl && exists ? Number(await ctx.invoke("pttl", key)) : -1;
  await writeString(ctx, key, value);
  if (expiresAt !== undefined) await expireAt(ctx, key, expiresAt);
  else if (ttl > 0) await ctx.invoke("pexpire", key, ttl);
  return get ? previous : "OK";
}

/** INCRBY semantics: strict integer value, 64-bit overflow check, TTL kept. */
async function incrementBy(ctx: EmbeddedContext, key: string, delta: bigint): Promise<number> {
  const current = asString(await ctx.invoke("get", key));
  const next = addInteger(current === null ? 0n : parseInteger(current), delta);
  const ttl = current === null ? -1 : Number(await ctx.invoke("pttl", key));
  await ctx.invoke("set", key, next.toString());
  if (ttl > 0) await ctx.invoke("pexpire", key, ttl);
  return Number(next);
}

function incrementCommand(arity: number, delta: (args: string[]) => bigint): EmbeddedCommand {
  return { arity, keyType: "string", run: (ctx, args) => incrementBy(ctx, args[0] ?? "", delta(args)) };
}

function expireCommand(unitMs: number, absolute: boolean): EmbeddedCommand {
  return {
    arity: -3,
    async run(ctx, [key = "", raw = "", ...flags]) {
      const amount = parseSafeInteger(raw);
      const set = new Set<string>();
      for (const flag of flags) {
        const upper = flag.toUpperCase();
        if (!["NX", "XX", "GT", "LT"].includes(upper)) fail(`ERR Unsupported option ${flag}`);
        set.add(upper);
      }
      if (set.has("NX") && set.size > 1)
        fail("ERR NX and XX, GT or LT options at the same time are not compatible");
      if (set.has("GT") && set.has("LT")) fail("ERR GT and LT options at the same time are not compatible");
      if ((await ctx.typeOf(key)) === "none") return 0;
      const now = Date.now();
      const at = absolute ? amount * unitMs : now + amount * unitMs;
      const ttl = Number(await ctx.invoke("pttl", key));
      const currentAt = ttl < 0 ? Number.POSITIVE_INFINITY : now + ttl;
      if (set.has("NX") && ttl >= 0) return 0;
      if (set.has("XX") && ttl < 0) return 0;
      if (set.has("GT") && !(at > currentAt)) return 0;
      if (set.has("LT") && !(at < currentAt)) return 0;
      await expireAt(ctx, key, at);
      return 1;
    },
  };
}

function setWithExpiry(name: string, unitMs: number): EmbeddedCommand {
  return {
    arity: 4,
    async run(ctx, [key = "", raw = "", value = ""]) {
      const amount = parseSafeInteger(raw);
      if (amount <= 0) fail(`ERR invalid expire time in '${name}' command`);
      await writeString(ctx, key, value);
      await ctx.invoke("pexpire", key, amount * unitMs);
      return "OK";
    },
  };
}

/** Keyspace, server and string commands. */
export const stringCommands: EmbeddedCommandTable = {
  ping: {
    arity: -1,
    run: async (_ctx, args) =>
      args.length === 0 ? "PONG" : args.length === 1 ? (args[0] ?? "") : fail(arityError("ping")),
  },
  echo: { arity: 2, run: async (_ctx, [message = ""]) => message },
  time: {
    arity: 1,
    run: async () => {
      const micros = BigInt(Date.now()) * 1000n;
      return [(micros / 1_000_000n).toString(), (micros % 1_000_000n).toString()];
    },
  },
  dbsize: { arity: 1, run: async (ctx) => toReply(await ctx.invoke("dbsize")) },
  flushdb: { arity: -1, run: async (ctx) => toReply(await ctx.invoke("flushall")) },
  flushall: { arity: -1, run: async (ctx) => toReply(await ctx.invoke("flushall")) },
  del: { arity: -2, run: async (ctx, keys) => toReply(await ctx.invoke("del", ...keys)) },
  unlink: { arity: -2, run: async (ctx, keys) => toReply(await ctx.invoke("del", ...keys)) },
  exists: { arity: -2, run: async (ctx, keys) => toReply(await ctx.invoke("exists", ...keys)) },
  type: { arity: 2, run: async (ctx, [key = ""]) => ctx.typeOf(key) },
  keys: { arity: 2, run: async (ctx, [pattern = "*"]) => toReply(await ctx.invoke("keys", pattern)) },
  scan: {
    arity: -2,
    async run(ctx, [cursor = "0", ...options]) {
      parseInteger(cursor, "ERR invalid cursor");
      let match = "*";
      let type: string | undefined;
      for (let i = 0; i < options.length; i += 2) {
        const option = options[i]?.toUpperCase();
        const value = options[i + 1];
        if (value === undefined) fail(SYNTAX_ERROR);
        if (option === "MATCH") match = value;
        else if (option === "COUNT") parseSafeInteger(value);
        else if (option === "TYPE") type = value.toLowerCase();
        else fail(SYNTAX_ERROR);
      }
      const [next, keys] = (await ctx.invoke("scan", cursor, "MATCH", match, "COUNT", 1000)) as [
        string,
        string[],
      ];
      const filtered = [];
      for (const key of keys) if (!type || (await ctx.typeOf(key)) === type) filtered.push(key);
      return [String(next), filtered];
    },
  },
  expire: expireCommand(1000, false),
  pexpire: expireCommand(1, false),
  expireat: expireCommand(1000, true),
  pexpireat: expireCommand(1, true),
  ttl: {
    arity: 2,
    async run(ctx, [key = ""]) {
      const ms = Number(await ctx.invoke("pttl", key));
      return ms < 0 ? ms : Math.floor((ms + 500) / 1000);
    },
  },
  pttl: { arity: 2, run: async (ctx, [key = ""]) => toReply(await ctx.invoke("pttl", key)) },
  persist: { arity: 2, run: async (ctx, [key = ""]) => toReply(await ctx.invoke("persist", key)) },
  get: {
    arity: 2,
    keyType: "string",
    run: async (ctx, [key = ""]) => asString(await ctx.invoke("get", key)),
  },
  getdel: {
    arity: 2,
    keyType: "string",
    run: async (ctx, [key = ""]) => asString(await ctx.invoke("getdel", key)),
  },
  getset: {
    arity: 3,
    keyType: "string",
    async run(ctx, [key = "", value = ""]) {
      const previous = asString(await ctx.invoke("get", key));
      await writeString(ctx, key, value);
      return previous;
    },
  },
  set: { arity: -3, run: setCommand },
  setnx: {
    arity: 3,
    async run(ctx, [key = "", value = ""]) {
      if ((await ctx.typeOf(key)) !== "none") return 0;
      await ctx.invoke("set", key, value);
      return 1;
    },
  },
  setex: setWithExpiry("setex", 1000),
  psetex: setWithExpiry("psetex", 1),
  append: {
    arity: 3,
    keyType: "string",
    run: async (ctx, [k = "", v = ""]) => toReply(await ctx.invoke("append", k, v)),
  },
  strlen: {
    arity: 2,
    keyType: "string",
    run: async (ctx, [key = ""]) => toReply(await ctx.invoke("strlen", key)),
  },
  mget: {
    arity: -2,
    async run(ctx, keys) {
      const values: RedisReply[] = [];
      for (const key of keys) {
        values.push((await ctx.typeOf(key)) === "string" ? asString(await ctx.invoke("get", key)) : null);
      }
      return values;
    },
  },
  mset: {
    arity: -3,
    async run(ctx, args) {
      if (args.length % 2 !== 0) fail(arityError("mset"));
      for (let i = 0; i < args.length; i += 2) await writeString(ctx, args[i] ?? "", args[i + 1] ?? "");
      return "OK";
    },
  },
  incr: incrementCommand(2, () => 1n),
  decr: incrementCommand(2, () => -1n),
  incrby: incrementCommand(3, ([, by = ""]) => parseInteger(by)),
  decrby: incrementCommand(3, ([, by = ""]) => -parseInteger(by)),
  incrbyfloat: {
    arity: 3,
    keyType: "string",
    async run(ctx, [key = "", by = ""]) {
      const increment = parseFloatArg(by);
      const current = asString(await ctx.invoke("get", key));
      const next = (current === null ? 0 : parseFloatArg(current)) + increment;
      if (!Number.isFinite(next)) fail("ERR increment would produce NaN or Infinity");
      const ttl = current === null ? -1 : Number(await ctx.invoke("pttl", key));
      await ctx.invoke("set", key, formatFloat(next));
      if (ttl > 0) await ctx.invoke("pexpire", key, ttl);
      return formatFloat(next);
    },
  },
};
