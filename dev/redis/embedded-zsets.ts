import type { RedisReply } from "./backend";
import {
  asString,
  type EmbeddedCommandTable,
  type EmbeddedContext,
  fail,
  formatFloat,
  parseFloatArg,
  parseSafeInteger,
  SYNTAX_ERROR,
  toReply,
} from "./embedded-util";

interface Entry {
  member: string;
  score: number;
}

interface Bound<T> {
  value: T;
  exclusive: boolean;
}

interface RangeQuery {
  start: string;
  stop: string;
  by: "index" | "score" | "lex";
  rev: boolean;
  limit?: { offset: number; count: number };
  withScores: boolean;
}

const compareMembers = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The whole sorted set in Redis order (score, then member bytes). */
async function readZset(ctx: EmbeddedContext, key: string): Promise<Entry[]> {
  const flat = ((await ctx.invoke("zrange", key, 0, -1, "WITHSCORES")) ?? []) as string[];
  const entries: Entry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    entries.push({ member: String(flat[i]), score: Number(flat[i + 1]) });
  return entries.sort((a, b) => a.score - b.score || compareMembers(a.member, b.member));
}

function scoreBound(text: string): Bound<number> {
  const exclusive = text.startsWith("(");
  const raw = exclusive ? text.slice(1) : text;
  return { value: parseFloatArg(raw, "ERR min or max is not a float"), exclusive };
}

function lexBound(text: string): Bound<string> | "-" | "+" {
  if (text === "-" || text === "+") return text;
  if (text.startsWith("(") || text.startsWith("["))
    return { value: text.slice(1), exclusive: text.startsWith("(") };
  return fail("ERR min or max not valid string range item");
}

function aboveMin<T>(value: T, min: Bound<T>, compare: (a: T, b: T) => number): boolean {
  const c = compare(value, min.value);
  return min.exclusive ? c > 0 : c >= 0;
}

function belowMax<T>(value: T, max: Bound<T>, compare: (a: T, b: T) => number): boolean {
  const c = compare(value, max.value);
  return max.exclusive ? c < 0 : c <= 0;
}

function selectByScore(entries: Entry[], minText: string, maxText: string): Entry[] {
  const min = scoreBound(minText);
  const max = scoreBound(maxText);
  const byNumber = (a: number, b: number) => a - b;
  return entries.filter((e) => aboveMin(e.score, min, byNumber) && belowMax(e.score, max, byNumber));
}

function selectByLex(entries: Entry[], minText: string, maxText: string): Entry[] {
  const min = lexBound(minText);
  const max = lexBound(maxText);
  return entries.filter((e) => {
    const okMin = min === "-" || (min !== "+" && aboveMin(e.member, min, compareMembers));
    const okMax = max === "+" || (max !== "-" && belowMax(e.member, max, compareMembers));
    return okMin && okMax;
  });
}

function render(entries: Entry[], withScores: boolean): RedisReply {
  return withScores ? entries.flatMap((e) => [e.member, formatFloat(e.score)]) : entries.map((e) => e.member);
}

/** ZRANGE's index, BYSCORE and BYLEX forms (with REV and LIMIT). */
function runRange(all: Entry[], query: RangeQuery): RedisReply {
  if (query.by === "index") {
    const items = query.rev ? [...all].reverse() : all;
    let start = parseSafeInteger(query.start);
    let stop = parseSafeInteger(query.stop);
    if (start < 0) start += items.length;
    if (stop < 0) stop += items.length;
    start = Math.max(0, start);
    if (start > stop || start >= items.length) return [];
    return render(items.slice(start, Math.min(stop, items.length - 1) + 1), query.withScores);
  }
  const [minText, maxText] = query.rev ? [query.stop, query.start] : [query.start, query.stop];
  let items =
    query.by === "score" ? selectByScore(all, minText, maxText) : selectByLex(all, minText, maxText);
  if (query.rev) items = items.reverse();
  if (query.limit) {
    const { offset, count } = query.limit;
    items = offset < 0 ? [] : items.slice(offset, count < 0 ? undefined : offset + count);
  }
  return render(items, query.withScores);
}

function parseRangeOptions(query: RangeQuery, options: string[], allowBy: boolean): RangeQuery {
  for (let i = 0; i < options.length; i += 1) {
    const option = options[i]?.toUpperCase();
    if (option === "WITHSCORES") query.withScores = true;
    else if (allowBy && option === "BYSCORE") query.by = "score";
    else if (allowBy && option === "BYLEX") query.by = "lex";
    else if (allowBy && option === "REV") query.rev = true;
    else if (option === "LIMIT") {
      const offset = options[i + 1];
      const count = options[i + 2];
      if (offset === undefined || count === undefined) fail(SYNTAX_ERROR);
      query.limit = { offset: parseSafeInteger(offset), count: parseSafeInteger(count) };
      i += 2;
    } else fail(SYNTAX_ERROR);
  }
  if (query.limit && query.by === "index") {
    fail("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (query.withScores && query.by === "lex") {
    fail("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  return query;
}

async function currentScore(ctx: EmbeddedContext, key: string, member: string): Promise<number | null> {
  const raw = asString(await ctx.invoke("zscore", key, member));
  return raw === null ? null : Number(raw);
}

const ZADD_FLAGS = new Set(["NX", "XX", "GT", "LT", "CH", "INCR"]);

/** Sorted-set commands, with ZADD options and ZRANGE forms computed here rather than by ioredis-mock. */
export const zsetCommands: EmbeddedCommandTable = {
  zadd: {
    arity: -4,
    keyType: "zset",
    async run(ctx, [key = "", ...rest]) {
      const flags = new Set<string>();
      while (rest[0] !== undefined && ZADD_FLAGS.has(rest[0].toUpperCase()))
        flags.add(String(rest.shift()).toUpperCase());
      if (rest.length === 0 || rest.length % 2 !== 0) fail(SYNTAX_ERROR);
      if (flags.has("NX") && flags.has("XX"))
        fail("ERR XX and NX options at the same time are not compatible");
      if ((flags.has("GT") || flags.has("LT")) && (flags.has("NX") || (flags.has("GT") && flags.has("LT")))) {
        fail("ERR GT, LT, and/or NX options at the same time are not compatible");
      }
      const incr = flags.has("INCR");
      if (incr && rest.length > 2) fail("ERR INCR option supports a single increment-element pair");
      const pairs: Entry[] = [];
      for (let i = 0; i < rest.length; i += 2) {
        pairs.push({ score: parseFloatArg(rest[i] ?? ""), member: rest[i + 1] ?? "" });
      }
      let added = 0;
      let changed = 0;
      let lastScore: number | null = null;
      for (const { member, score } of pairs) {
        const current = await currentScore(ctx, key, member);
        lastScore = null;
        if ((flags.has("NX") && current !== null) || (flags.has("XX") && current === null)) continue;
        const next = incr ? (current ?? 0) + score : score;
        if (Number.isNaN(next)) fail("ERR resulting score is not a number (NaN)");
        if (
          current !== null &&
          ((flags.has("GT") && !(next > current)) || (flags.has("LT") && !(next < current)))
        ) {
          continue;
        }
        if (current === null) added += 1;
        else if (next !== current) changed += 1;
        await ctx.invoke("zadd", key, String(next), member);
        lastScore = next;
      }
      if (incr) return lastScore === null ? null : formatFloat(lastScore);
      return flags.has("CH") ? added + changed : added;
    },
  },
  zrange: {
    arity: -4,
    keyType: "zset",
    async run(ctx, [key = "", start = "", stop = "", ...options]) {
      const query = parseRangeOptions(
        { start, stop, by: "index", rev: false, withScores: false },
        options,
        true,
      );
      return runRange(await readZset(ctx, key), query);
    },
  },
  zrevrange: {
    arity: -4,
    keyType: "zset",
    async run(ctx, [key = "", start = "", stop = "", ...options]) {
      const query = parseRangeOptions(
        { start, stop, by: "index", rev: true, withScores: false },
        options,
        false,
      );
      return runRange(await readZset(ctx, key), query);
    },
  },
  zrangebyscore: {
    arity: -4,
    keyType: "zset",
    async run(ctx, [key = "", min = "", max = "", ...options]) {
      const query = parseRangeOptions(
        { start: min, stop: max, by: "score", rev: false, withScores: false },
        options,
        false,
      );
      return runRange(await readZset(ctx, key), query);
    },
  },
  zrevrangebyscore: {
    arity: -4,
    keyType: "zset",
    async run(ctx, [key = "", max = "", min = "", ...options]) {
      const query = parseRangeOptions(
        { start: max, stop: min, by: "score", rev: true, withScores: false },
        options,
        false,
      );
      return runRange(await readZset(ctx, key), query);
    },
  },
  zcount: {
    arity: 4,
    keyType: "zset",
    run: async (ctx, [key = "", min = "", max = ""]) =>
      selectByScore(await readZset(ctx, key), min, max).length,
  },
  zremrangebyscore: {
    arity: 4,
    keyType: "zset",
    async run(ctx, [key = "", min = "", max = ""]) {
      const doomed = selectByScore(await readZset(ctx, key), min, max).map((e) => e.member);
      if (doomed.length > 0) await ctx.invoke("zrem", key, ...doomed);
      return doomed.length;
    },
  },
  zrem: { arity: -3, keyType: "zset", run: async (ctx, args) => toReply(await ctx.invoke("zrem", ...args)) },
  zcard: {
    arity: 2,
    keyType: "zset",
    run: async (ctx, [key = ""]) => toReply(await ctx.invoke("zcard", key)),
  },
  zscore: {
    arity: 3,
    keyType: "zset",
    async run(ctx, [key = "", member = ""]) {
      const score = await currentScore(ctx, key, member);
      return score === null ? null : formatFloat(score);
    },
  },
  zincrby: {
    arity: 4,
    keyType: "zset",
    async run(ctx, [key = "", by = "", member = ""]) {
      const next = ((await currentScore(ctx, key, member)) ?? 0) + parseFloatArg(by);
      if (Number.isNaN(next)) fail("ERR resulting score is not a number (NaN)");
      await ctx.invoke("zadd", key, String(next), member);
      return formatFloat(next);
    },
  },
  zrank: {
    arity: 3,
    keyType: "zset",
    async run(ctx, [key = "", member = ""]) {
      const index = (await readZset(ctx, key)).findIndex((e) => e.member === member);
      return index < 0 ? null : index;
    },
  },
  zrevrank: {
    arity: 3,
    keyType: "zset",
    async run(ctx, [key = "", member = ""]) {
      const entries = await readZset(ctx, key);
      const index = entries.findIndex((e) => e.member === member);
      return index < 0 ? null : entries.length - 1 - index;
    },
  },
};
