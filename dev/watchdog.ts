import { spawn } from "node:child_process";
import { Socket } from "node:net";

/** Cleanup that also runs when this process dies without calling release (even on SIGKILL). */
export interface Watchdog {
  /** Runs the cleanup now and waits for it to finish; idempotent. */
  release(): Promise<void>;
  /** Ends the watchdog without running the cleanup (the caller already cleaned up); idempotent. */
  dismiss(): Promise<void>;
}

/** Quotes a string for POSIX sh. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Starts a detached shell that waits for its stdin pipe to close, then runs `cleanupScript`.
 * The pipe closes when we call release() or when this process exits for any reason, so the
 * services it guards (postgres, redis-server) never outlive us. Terminal and process-group
 * signals are ignored by the shell so that a Ctrl-C cannot skip the cleanup.
 */
export function startWatchdog(cleanupScript: string): Watchdog {
  const script = `trap '' INT TERM HUP; while read -r _line; do :; done; ${cleanupScript}`;
  const child = spawn("sh", ["-c", script], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  child.unref();
  if (child.stdin instanceof Socket) child.stdin.unref();
  child.stdin.on("error", () => {});
  let finished: Promise<void> | undefined;
  return {
    release() {
      finished ??= (async () => {
        child.ref();
        child.stdin.end();
        await exited;
      })();
      return finished;
    },
    dismiss() {
      finished ??= (async () => {
        child.kill("SIGKILL");
        await exited;
      })();
      return finished;
    },
  };
}
