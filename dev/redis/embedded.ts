import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import RedisMock from "ioredis-mock";
import {
  type CommandOutcome,
  errorOutcome,
  type RedisBackend,
  type RedisReply,
  RedisReplyError,
} from "./backend";
import { createScriptCommands } from "./embedded-lua";

/** What an embedded command may use: ioredis-mock's command methods, by name. */
export type MockInvoke = (name: string, ...args: (string | number)[]) => Promise<unknown>;

/** One command with Redis's own argument checking in front of ioredis-mock. */
export interface EmbeddedCommand {
  /** Redis arity: exact argument count (name included) when positive, minimum when negative. */
  arity: number;
  run(invoke: MockInvoke, args: string[]): Promise<RedisReply>;
}

const NOT_INTEGER = "ERR value is not an integer or out of range";
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Throws a Redis error reply. */
export function fail(message: string): never {
  throw new RedisReplyError(message);
}

/** Parses a 64-bit integer the way Redis's string2ll does (no "+", no leading zeros, no spaces). */
function parseInteger(text: string): bigint {
  if (!/^-?(0|[1-9]\d*)$/.test(text)) fail(NOT_INTEGER);
  const value = BigInt(text);
  if (value < INT64_MIN || value > INT64_MAX) fail(NOT_INTEGER);
  return value;
}

/** Like parseInteger, as a JS number (counts and times). */
export function parseSafeInteger(text: string): number {
  const value = parseInteger(text);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) fail(NOT_INTEGER);
  return Number(value);
}

function asString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}

/** SET with NX/XX, GET, EX/PX/EXAT/PXAT and KEEPTTL, as Redis 7 checks and applies them. */
async function setCommand(invoke: MockInvoke, args: string[]): Promise<RedisReply> {
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
      if (raw === undefined || expiresAt !== undefined) fail("ERR syntax error");
      i += 1;
      const amount = parseSafeInteger(raw);
      if (amount <= 0) fail("ERR invalid expire time in 'set' command");
      const now = Date.now();
      expiresAt = { EX: now + amount * 1000, PX: now + amount, EXAT: amount * 1000, PXAT: amount }[option];
    } else fail("ERR syntax error");
  }
  const previous = asString(await invoke("get", key));
  if ((nx && previous !== null) || (xx && previous === null)) return get ? previous : null;
  const ttl = keepTtl && previous !== null ? Number(await invoke("pttl", key)) : -1;
  await invoke("set", key, value);
  if (expiresAt !== undefined) await expireAt(invoke, key, expiresAt);
  else if (ttl > 0) await invoke("pexpire", key, ttl);
  return get ? previous : "OK";
}

/** Sets an absolute expiry in ms; a time already past deletes the key, as Redis does. */
async function expireAt(invoke: MockInvoke, key: string, atMs: number): Promise<void> {
  const delta = atMs - Date.now();
  if (delta <= 0) await invoke("del", key);
  else await invoke("pexpire", key, delta);
}

/** INCRBY semantics: strict integer value, 64-bit overflow check, TTL kept. */
function incrementCommand(arity: number, delta: (args: string[]) => bigint): EmbeddedCommand {
  return {
    arity,
    async run(invoke, args) {
      const key = args[0] ?? "";
      const increment = delta(args);
      const current = asString(await invoke("get", key));
      const next = (current === null ? 0n : parseInteger(current)) + increment;
      if (next < INT64_MIN || next > INT64_MAX) fail("ERR increment or decrement would overflow");
      const ttl = current === null ? -1 : Number(await invoke("pttl", key));
      await invoke("set", key, next.toString());
      if (ttl > 0) await invoke("pexpire", key, ttl);
      return Number(next);
    },
  };
}

const count = async (value: Promise<unknown>) => Number(await value);

/**
 * The commands the worker, @upstash/ratelimit's sliding window and the stand-in tests send;
 * anything else is an unknown command, as on a Redis without it.
 */
const COMMANDS: Record<string, EmbeddedCommand> = {
  ping: { arity: -1, run: async (_invoke, [message]) => message ?? "PONG" },
  get: { arity: 2, run: async (invoke, [key = ""]) => asString(await invoke("get", key)) },
  // Passkey and WebAuthn challenges are taken once (shared/auth/webauthn-challenge.ts).
  getdel: { arity: 2, run: async (invoke, [key = ""]) => asString(await invoke("getdel", key)) },
  set: { arity: -3, run: setCommand },
  del: { arity: -2, run: (invoke, keys) => count(invoke("del", ...keys)) },
  exists: { arity: -2, run: (invoke, keys) => count(invoke("exists", ...keys)) },
  keys: { arity: 2, run: async (invoke, [pattern = "*"]) => (await invoke("keys", pattern)) as string[] },
  incr: incrementCommand(2, () => 1n),
  incrby: incrementCommand(3, ([, by = ""]) => parseInteger(by)),
  pexpire: {
    arity: 3,
    async run(invoke, [key = "", ms = ""]) {
      const amount = parseSafeInteger(ms);
      if (!(await invoke("exists", key))) return 0;
      await expireAt(invoke, key, Date.now() + amount);
      return 1;
    },
  },
  pttl: { arity: 2, run: (invoke, [key = ""]) => count(invoke("pttl", key)) },
  ttl: {
    arity: 2,
    async run(invoke, [key = ""]) {
      const ms = Number(await invoke("pttl", key));
      return ms < 0 ? ms : Math.floor((ms + 500) / 1000);
    },
  },
  ...createScriptCommands(),
};

function mockVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("ioredis-mock/package.json") as { version: string }).version;
}

/** Checks name and arity; throws Redis's error for an unknown command or a wrong argument count. */
function lookup(args: string[]): EmbeddedCommand {
  const [name = "", ...rest] = args;
  const command = Object.hasOwn(COMMANDS, name.toLowerCase()) ? COMMANDS[name.toLowerCase()] : undefined;
  if (!command) {
    const preview = rest
      .slice(0, 10)
      .map((arg) => `'${arg}' `)
      .join("");
    fail(`ERR unknown command '${name}', with args beginning with: ${preview}`);
  }
  const { arity } = command;
  if ((arity > 0 && args.length !== arity) || (arity < 0 && args.length < -arity)) {
    fail(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
  }
  return command;
}

/**
 * In-process Redis for machines without redis-server: ioredis-mock holds the data and runs Lua;
 * the command table in front of it gives Redis's argument checks, errors and reply shapes for the
 * commands the app sends. Commands run one at a time, so MULTI batches and scripts are atomic.
 */
export function startEmbeddedRedis(): RedisBackend {
  // ioredis-mock shares data between instances with the same host:port; every stack gets its own.
  const mock = new RedisMock({ host: `embedded-${randomUUID()}`, port: 6379 });
  const methods = mock as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>;
  const invoke: MockInvoke = (name, ...args) => {
    const method = methods[name];
    if (typeof method !== "function") throw new Error(`ioredis-mock has no ${name} command`);
    return method.apply(mock, args);
  };
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const result = tail.then(job);
    tail = result.catch(() => undefined);
    return result;
  };
  const execute = (args: string[]) => lookup(args).run(invoke, args.slice(1));
  const runAll = async (commands: string[][]): Promise<CommandOutcome[]> => {
    const outcomes: CommandOutcome[] = [];
    for (const args of commands) {
      try {
        outcomes.push({ result: await execute(args) });
      } catch (error) {
        outcomes.push(errorOutcome(error));
      }
    }
    return outcomes;
  };

  return {
    kind: "embedded",
    version: mockVersion(),
    command: (args) => serial(() => execute(args)),
    pipeline: (commands) => serial(() => runAll(commands)),
    multiExec: (commands) =>
      serial(async () => {
        for (const args of commands) {
          try {
            lookup(args);
          } catch {
            fail("EXECABORT Transaction discarded because of previous errors.");
          }
        }
        return runAll(commands);
      }),
    async close() {
      await serial(() => mock.flushall());
      mock.disconnect();
    },
  };
}
