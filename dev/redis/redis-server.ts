import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { Redis } from "ioredis";
import { findFreePort } from "../free-port";
import { startWatchdog } from "../watchdog";
import {
  type CommandOutcome,
  errorOutcome,
  type RedisBackend,
  type RedisReply,
  RedisReplyError,
} from "./backend";

/** ioredis applies reply transformers by lowercase name (hgetall -> object); upper case avoids them. */
function toCommand(args: string[]): [string, string[]] {
  const [name = "", ...rest] = args;
  return [name.toUpperCase(), rest];
}

function asReplyError(error: unknown): unknown {
  return error instanceof Error && error.name === "ReplyError" ? new RedisReplyError(error.message) : error;
}

async function waitForPing(client: Redis, exited: Promise<string>): Promise<void> {
  const deadline = Date.now() + 10_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const outcome = await Promise.race([
      client.ping().then(
        () => "ok" as const,
        (error: unknown) => {
          lastError = error;
          return "retry" as const;
        },
      ),
      exited.then((output) => new Error(`redis-server exited during startup: ${output}`)),
    ]);
    if (outcome === "ok") return;
    if (outcome instanceof Error) throw outcome;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer PING: ${String(lastError)}`);
}

interface RunningServer {
  client: Redis;
  version: string;
  close(): Promise<void>;
}

/** One redis-server on `port`, guarded by a watchdog; rejects if it does not answer PING. */
async function launch(executable: string, port: number): Promise<RunningServer> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  args.push("--daemonize", "no", "--loglevel", "warning", "--dir", tmpdir());
  const child = spawn(executable, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<string>((resolve) => {
    child.once("exit", () => resolve(output));
    child.once("error", (error) => resolve(`${output}\n${error.message}`));
  });
  const watchdog = startWatchdog(`kill -TERM ${child.pid ?? 0} 2>/dev/null`);
  const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 2 });
  client.on("error", () => {});

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      client.disconnect();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await watchdog.dismiss();
    })();
    return closed;
  };
  try {
    await waitForPing(client, exited);
    const info = await client.info("server");
    return { client, version: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown", close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Starts redis-server (no persistence) on a free port and talks to it through ioredis, binary-safe. */
export async function startRedisServerBackend(executable: string): Promise<RedisBackend> {
  let server: RunningServer | undefined;
  for (let attempt = 0; !server; attempt += 1) {
    try {
      server = await launch(executable, await findFreePort());
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
  const { client, version, close } = server;

  return {
    kind: "redis-server",
    version,
    async command(args) {
      const [name, rest] = toCommand(args);
      try {
        return (await client.callBuffer(name, ...rest)) as RedisReply;
      } catch (error) {
        throw asReplyError(error);
      }
    },
    async pipeline(commands) {
      const pipeline = client.pipeline();
      for (const command of commands) {
        const [name, rest] = toCommand(command);
        pipeline.callBuffer(name, ...rest);
      }
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(
        ([error, result]): CommandOutcome => (error ? errorOutcome(error) : { result: result as RedisReply }),
      );
    },
    async multiExec(commands) {
      const multi = client.multi();
      for (const command of commands) {
        const [name, rest] = toCommand(command);
        multi.callBuffer(name, ...rest);
      }
      try {
        const replies = await multi.exec();
        if (replies === null) throw new RedisReplyError("EXECABORT Transaction discarded");
        return replies.map(
          ([error, result]): CommandOutcome =>
            error ? errorOutcome(error) : { result: result as RedisReply },
        );
      } catch (error) {
        throw asReplyError(error);
      }
    },
    close,
  };
}
