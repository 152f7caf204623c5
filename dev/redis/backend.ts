import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** A Redis reply: bulk strings as Buffers (or strings), integers as numbers, nil as null. */
export type RedisReply = null | number | string | Buffer | RedisReply[];

/** An error reply from Redis; the message is the Redis text ("ERR …", "WRONGTYPE …"). */
export class RedisReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RedisReplyError";
  }
}

/** What one command of a pipeline or transaction produced. */
export type CommandOutcome = { result: RedisReply } | { error: string };

/** A Redis server the Upstash endpoint forwards commands to. */
export interface RedisBackend {
  kind: "redis-server" | "embedded";
  version: string;
  /** Runs one command; rejects with RedisReplyError for error replies. */
  command(args: string[]): Promise<RedisReply>;
  /** Runs commands in order, not atomically; errors stay per command. */
  pipeline(commands: string[][]): Promise<CommandOutcome[]>;
  /** Runs commands atomically (MULTI/EXEC); rejects with RedisReplyError when the transaction is aborted. */
  multiExec(commands: string[][]): Promise<CommandOutcome[]>;
  /** Disconnects and stops what was started; idempotent. */
  close(): Promise<void>;
}

/** Which Redis to run. */
export type RedisChoice = "auto" | "redis-server" | "embedded";

/** Turns any thrown value into the per-command outcome shape. */
export function errorOutcome(error: unknown): CommandOutcome {
  return { error: error instanceof Error ? error.message : String(error) };
}

/** Full path of an executable found on PATH. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Starts redis-server when available (or required), else the embedded ioredis-mock fallback. */
export async function startRedisBackend(options: {
  choice: RedisChoice;
  log: (line: string) => void;
}): Promise<RedisBackend> {
  const { choice, log } = options;
  if (choice !== "embedded") {
    const executable = findOnPath("redis-server");
    if (executable) {
      const { startRedisServerBackend } = await import("./redis-server");
      const backend = await startRedisServerBackend(executable);
      log(`redis: redis-server ${backend.version} (${executable})`);
      return backend;
    }
    if (choice === "redis-server") throw new Error("BACKLINE_REDIS=redis-server but no redis-server on PATH");
  }
  const { startEmbeddedRedis } = await import("./embedded");
  const backend = startEmbeddedRedis();
  log(`redis: embedded fallback (ioredis-mock ${backend.version})`);
  return backend;
}
