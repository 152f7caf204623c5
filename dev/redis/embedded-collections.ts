import {
  addInteger,
  arityError,
  asString,
  type EmbeddedCommand,
  type EmbeddedCommandTable,
  fail,
  formatFloat,
  parseFloatArg,
  parseInteger,
  parseSafeInteger,
  toReply,
} from "./embedded-util";

/** A command that forwards its arguments to the ioredis-mock method of the same name. */
function forward(name: string, arity: number, keyType: EmbeddedCommand["keyType"]): EmbeddedCommand {
  return { arity, keyType, run: async (ctx, args) => toReply(await ctx.invoke(name, ...args)) };
}

function pairs(name: string, arity: number, keyType: EmbeddedCommand["keyType"]): EmbeddedCommand {
  const inner = forward(name, arity, keyType);
  return {
    ...inner,
    run: (ctx, args) => (args.length % 2 === 1 ? inner.run(ctx, args) : fail(arityError(name))),
  };
}

function popCommand(name: "lpop" | "rpop"): EmbeddedCommand {
  return {
    arity: -2,
    keyType: "list",
    async run(ctx, [key = "", count, ...extra]) {
      if (extra.length > 0) fail(arityError(name));
      if (count === undefined) return asString(await ctx.invoke(name, key));
      const n = parseSafeInteger(count, "ERR value is out of range, must be positive");
      if (n < 0) fail("ERR value is out of range, must be positive");
      if ((await ctx.typeOf(key)) === "none") return null;
      return n === 0 ? [] : toReply(await ctx.invoke(name, key, n));
    },
  };
}

/** Hash, set and list commands. */
export const collectionCommands: EmbeddedCommandTable = {
  hset: pairs("hset", -4, "hash"),
  hmset: {
    arity: -4,
    keyType: "hash",
    async run(ctx, args) {
      if (args.length % 2 === 0) fail(arityError("hmset"));
      await ctx.invoke("hset", ...args);
      return "OK";
    },
  },
  hsetnx: forward("hsetnx", 4, "hash"),
  hget: {
    arity: 3,
    keyType: "hash",
    run: async (ctx, [k = "", f = ""]) => asString(await ctx.invoke("hget", k, f)),
  },
  hmget: forward("hmget", -3, "hash"),
  hgetall: forward("hgetall", 2, "hash"),
  hdel: forward("hdel", -3, "hash"),
  hexists: forward("hexists", 3, "hash"),
  hlen: forward("hlen", 2, "hash"),
  hkeys: forward("hkeys", 2, "hash"),
  hvals: forward("hvals", 2, "hash"),
  hincrby: {
    arity: 4,
    keyType: "hash",
    async run(ctx, [key = "", field = "", by = ""]) {
      const increment = parseInteger(by);
      const current = asString(await ctx.invoke("hget", key, field));
      const base = current === null ? 0n : parseInteger(current, "ERR hash value is not an integer");
      const next = addInteger(base, increment);
      await ctx.invoke("hset", key, field, next.toString());
      return Number(next);
    },
  },
  hincrbyfloat: {
    arity: 4,
    keyType: "hash",
    async run(ctx, [key = "", field = "", by = ""]) {
      const increment = parseFloatArg(by);
      const current = asString(await ctx.invoke("hget", key, field));
      const next =
        (current === null ? 0 : parseFloatArg(current, "ERR hash value is not a float")) + increment;
      if (!Number.isFinite(next)) fail("ERR increment would produce NaN or Infinity");
      await ctx.invoke("hset", key, field, formatFloat(next));
      return formatFloat(next);
    },
  },
  sadd: forward("sadd", -3, "set"),
  srem: forward("srem", -3, "set"),
  sismember: forward("sismember", 3, "set"),
  smembers: forward("smembers", 2, "set"),
  scard: forward("scard", 2, "set"),
  lpush: forward("lpush", -3, "list"),
  rpush: forward("rpush", -3, "list"),
  lpop: popCommand("lpop"),
  rpop: popCommand("rpop"),
  llen: forward("llen", 2, "list"),
  lrange: {
    arity: 4,
    keyType: "list",
    async run(ctx, [key = "", start = "", stop = ""]) {
      return toReply(await ctx.invoke("lrange", key, parseSafeInteger(start), parseSafeInteger(stop)));
    },
  },
  ltrim: {
    arity: 4,
    keyType: "list",
    async run(ctx, [key = "", start = "", stop = ""]) {
      return toReply(await ctx.invoke("ltrim", key, parseSafeInteger(start), parseSafeInteger(stop)));
    },
  },
};
