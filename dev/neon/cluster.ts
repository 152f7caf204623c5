import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { findFreePort } from "../free-port";
import { shellQuote, startWatchdog } from "../watchdog";

const execFileAsync = promisify(execFile);
const DEBIAN_POSTGRES_ROOT = "/usr/lib/postgresql";

/** Where a Debian PostgreSQL installation keeps its server binaries. */
export interface PostgresBinaries {
  binDir: string;
  version: string;
}

/** A throwaway PostgreSQL cluster listening on 127.0.0.1. */
export interface PostgresCluster {
  port: number;
  /** Superuser connection string to the maintenance database. */
  adminUrl: string;
  /** Stops the server and deletes its files; idempotent. */
  stop(): Promise<void>;
}

/** Newest Debian PostgreSQL that has initdb and pg_ctl, if any. */
export function findPostgresBinaries(): PostgresBinaries | undefined {
  if (!existsSync(DEBIAN_POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_POSTGRES_ROOT)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .filter((name) => {
      const binDir = join(DEBIAN_POSTGRES_ROOT, name, "bin");
      return existsSync(join(binDir, "initdb")) && existsSync(join(binDir, "pg_ctl"));
    })
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  const version = versions[0];
  return version ? { binDir: join(DEBIAN_POSTGRES_ROOT, version, "bin"), version } : undefined;
}

/** Command prefix that runs a Postgres binary as a user Postgres accepts (never root). */
function asPostgresUser(): string[] {
  return process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
}

async function run(argv: string[]): Promise<void> {
  const [file, ...args] = argv;
  if (!file) throw new Error("empty command");
  await execFileAsync(file, args, { env: { ...process.env, LC_ALL: "C" } });
}

async function postgresUid(): Promise<{ uid: number; gid: number }> {
  const uid = await execFileAsync("id", ["-u", "postgres"]);
  const gid = await execFileAsync("id", ["-g", "postgres"]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Creates a cluster with initdb in a fresh temp dir and starts it with pg_ctl on a free port
 * (durability switched off: the data is disposable). A watchdog stops it and removes the dir
 * even if this process is killed.
 */
export async function startPostgresCluster(binaries: PostgresBinaries): Promise<PostgresCluster> {
  const dir = await mkdtemp(join(tmpdir(), "backline-pg-"));
  const dataDir = join(dir, "data");
  const logFile = join(dir, "postgres.log");
  const prefix = asPostgresUser();
  const pgCtl = join(binaries.binDir, "pg_ctl");
  const stopCommand = [...prefix, pgCtl, "-D", dataDir, "stop", "-m", "immediate"].map(shellQuote).join(" ");
  const watchdog = startWatchdog(`${stopCommand} >/dev/null 2>&1; rm -rf ${shellQuote(dir)}`);
  try {
    if (prefix.length > 0) {
      const { uid, gid } = await postgresUid();
      await chown(dir, uid, gid);
    }
    await run([
      ...prefix,
      join(binaries.binDir, "initdb"),
      "-D",
      dataDir,
      "-U",
      "postgres",
      "--auth=trust",
      "--no-sync",
      "--no-locale",
      "-E",
      "UTF8",
      "--no-instructions",
    ]);
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const port = await findFreePort();
      const serverOptions = [
        `-p ${port}`,
        `-k ${dir}`,
        "-c listen_addresses=127.0.0.1",
        "-c fsync=off",
        "-c full_page_writes=off",
        "-c synchronous_commit=off",
      ].join(" ");
      try {
        await run([
          ...prefix,
          pgCtl,
          "-D",
          dataDir,
          "-l",
          logFile,
          "-w",
          "-t",
          "30",
          "-o",
          serverOptions,
          "start",
        ]);
        return {
          port,
          adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
          stop: () => watchdog.release(),
        };
      } catch (error) {
        const log = await readFile(logFile, "utf8").catch(() => "");
        lastError = new Error(`pg_ctl start failed: ${String(error)}\n${log.slice(-2000)}`);
      }
    }
    throw lastError;
  } catch (error) {
    await watchdog.release();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
