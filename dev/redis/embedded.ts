import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import RedisMock from "ioredis-mock";
import { type CommandOutcome, errorOutcome, type RedisBackend, type RedisReply } from "./backend";
import { collectionCommands } from "./embedded-collections";
import { createScriptCommands } from "./embedded-lua";
import { stringCommands } from "./embedded-strings";
import {
  arityError,
  type EmbeddedCommand,
  type EmbeddedCommandTable,
  type EmbeddedContext,
  fail,
  type KeyType,
  WRONGTYPE,
} from "./embedded-util";
import { zsetCommands } from "./embedded-zsets";

type MockMethod = (...args: (string | number)[]) => Promise<unknown>;

/** Runs async jobs one at a time, so MULTI batches and scripts are atomic. */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function mockVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require("ioredis-mock/package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function unknownCommand(args: string[]): never {
  const [name = "", ...rest] = args;
  const preview = rest
    .slice(0, 10)
    .map((arg) => `'${arg}' `)
    .join("");
  return fail(`ERR unknown command '${name}', with args beginning with: ${preview}`);
}

/**
 * In-process Redis for machines without redis-server: ioredis-mock holds the data and runs Lua,
 * while the command tables in front of it give Redis's argument checking, WRONGTYPE errors,
 * reply shapes and MULTI/EXEC semantics (queue-time errors abort, run-time errors stay per command).
 */
export function startEmbeddedRedis(): RedisBackend {
  // ioredis-mock shares data between instances with the same host:port; every stack gets its own.
  const mock = new RedisMock({ host: `embedded-${randomUUID()}`, port: 6379 });
  const methods = mock as unknown as Record<string, MockMethod | undefined>;
  const ctx: EmbeddedContext = {
    invoke(name, ...args) {
      const method = methods[name];
      if (typeof method !== "function") throw new Error(`ioredis-mock has no ${name} command`);
      return method.apply(mock, args);
    },
    async typeOf(key) {
      return (await mock.type(key)) as KeyType | "none";
    },
  };
  const table: EmbeddedCommandTable = {
    ...stringCommands,
    ...collectionCommands,
    ...zsetCommands,
    ...createScriptCommands(),
  };
  const queue = new Queue();

  const lookup = (args: string[]): EmbeddedCommand => {
    const name = args[0]?.toLowerCase() ?? "";
    const command = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!command) return unknownCommand(args);
    const { arity } = command;
    if ((arity > 0 && args.length !== arity) || (arity < 0 && args.length < -arity)) fail(arityError(name));
    return command;
  };

  const execute = async (args: string[]): Promise<RedisReply> => {
    const command = lookup(args);
    const key = args[1];
    if (command.keyType && key !== undefined) {
      const type = await ctx.typeOf(key);
      if (type !== "none" && type !== command.keyType) fail(WRONGTYPE);
    }
    return command.run(ctx, args.slice(1));
  };

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
    command: (args) => queue.run(() => execute(args)),
    pipeline: (commands) => queue.run(() => runAll(commands)),
    multiExec: (commands) =>
      queue.run(async () => {
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
      await queue.run(() => mock.flushall());
      mock.disconnect();
    },
  };
}
