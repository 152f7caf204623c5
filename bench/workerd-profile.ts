/**
 * A V8 CPU profile of the worker as workerd runs it under `wrangler dev`, taken through the
 * inspector wrangler exposes (`--inspector-port`). Frames in the one bundled file are credited
 * to the module they came from (esbuild's `// path` comments in an unminified build), so
 * `summarizeProfile` can sum them per package as it does for Node profiles.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { CpuProfile } from "./profile";

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * A minimal Chrome DevTools Protocol session over the inspector's WebSocket. Wrangler's inspector
 * proxy lists one target, the primary worker's (the first `--config`: Backline's API worker, not
 * the assets worker beside it; dev/wrangler-configs.ts).
 */
async function connect(inspectorPort: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
    webSocketDebuggerUrl?: string;
  }[];
  const url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${inspectorPort}`);
  // The inspector proxy accepts local origins only; Node's WebSocket takes headers (undici).
  const socket = new WebSocket(url, { headers: { origin: "http://localhost" } } as never);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`inspector ${url} refused`)), { once: true });
  });
  let nextId = 0;
  const pending = new Map<number, Pending>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id as number);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  return {
    send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const id = ++nextId;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise<T>((resolve, reject) =>
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject }),
      );
    },
    close: () => socket.close(),
  };
}

/** Profiles the worker while `drive` runs; returns the profile with frames credited to their modules. */
export async function profileWorkerd(
  inspectorPort: number,
  bundleFile: string,
  drive: () => Promise<void>,
): Promise<CpuProfile> {
  const session = await connect(inspectorPort);
  try {
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: 100 });
    await session.send("Profiler.start");
    await drive();
    const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");
    return creditModules(profile, bundleFile);
  } finally {
    session.close();
  }
}

/** The module each line of a bundled file came from, from esbuild's `// path` comments. */
function moduleLines(file: string): { line: number; module: string }[] {
  const starts: { line: number; module: string }[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((text, line) => {
      const marker = /^\/\/ (\S+\.[cm]?[jt]sx?)$/.exec(text);
      if (marker) starts.push({ line, module: marker[1] as string });
    });
  return starts;
}

/**
 * Credits frames of the worker's module (named as the bundle's file to the inspector: `index.js`
 * for Backline, `worker.js` for the reference workers) to their source modules.
 */
function creditModules(profile: CpuProfile, bundleFile: string): CpuProfile {
  const starts = moduleLines(bundleFile);
  const bundleName = basename(bundleFile);
  for (const node of profile.nodes) {
    const { url, lineNumber } = node.callFrame;
    if (url !== bundleName) continue;
    let module: string | undefined;
    for (const start of starts) {
      if (start.line > lineNumber) break;
      module = start.module;
    }
    // A leading slash so our own folders read as `/functions/…` for summarizeProfile's origin().
    if (module) node.callFrame.url = `/${module.replace(/^(\.\.\/)+/, "")}`;
  }
  return profile;
}
