/**
 * `npm run check:production` (run by `npm run deploy` before `wrangler deploy`): the production
 * guard rails of shared/config.ts over what the deploy would ship, so a worker that would refuse
 * every request never goes out. It reads wrangler.toml's top-level vars (the environment
 * `wrangler deploy` deploys) and the secrets this shell holds: CI can export them to have them
 * checked too. Secrets it cannot see are listed, never guessed.
 *
 *   tsx dev/check-production.ts [--config wrangler.toml]
 *
 * Exit 0: nothing at fault. Exit 1: every binding at fault is named, one per line.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import { configErrors, SECRET_BINDINGS } from "../shared/config";
import type { FieldError } from "../shared/errors";

export interface ProductionCheck {
  /** Bindings the production worker would refuse to run with. */
  errors: FieldError[];
  /** Secrets this shell does not hold, so not checked here: they must be set with `wrangler secret put`. */
  unseenSecrets: string[];
}

const SECRET_NAMES: readonly string[] = [...SECRET_BINDINGS.required, ...SECRET_BINDINGS.optional];

/** Checks the top-level environment of `configPath` with the secrets found in `shell`. */
export function checkProduction(
  configPath: string,
  shell: Record<string, string | undefined>,
): ProductionCheck {
  const vars = topLevelVars(configPath);
  const secrets = Object.fromEntries(
    SECRET_NAMES.flatMap((name) => (shell[name] ? [[name, shell[name]]] : [])),
  );
  const env: Record<string, string> = { ...vars, ...secrets };
  const unseen = new Set(SECRET_NAMES.filter((name) => !(name in env)));
  const errors = [...notProduction(vars), ...secretsInVars(vars), ...configErrors(env)];
  // A finding about a secret this shell cannot see says nothing about the deployed value.
  const seenErrors = errors.filter((e) => !unseen.has(bindingOf(e)));
  const neededUnseen = new Set([
    ...SECRET_BINDINGS.required.filter((name) => unseen.has(name)),
    ...errors.filter((e) => unseen.has(bindingOf(e))).map(bindingOf),
  ]);
  return { errors: seenErrors, unseenSecrets: [...neededUnseen] };
}

function topLevelVars(configPath: string): Record<string, string> {
  const config = unstable_readConfig({ config: configPath }, { hideWarnings: true });
  return Object.fromEntries(
    Object.entries(config.vars ?? {}).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}

/** `ALLOWED_ORIGINS.1` is about ALLOWED_ORIGINS. */
function bindingOf(error: FieldError): string {
  return error.path.split(".")[0] ?? error.path;
}

/** The deployed worker runs as production: another APP_ENV would switch the guard rails off. */
function notProduction(vars: Record<string, string>): FieldError[] {
  if ((vars.APP_ENV ?? "production") === "production") return [];
  return [
    {
      path: "APP_ENV",
      message: `APP_ENV is ${vars.APP_ENV}; the worker \`wrangler deploy\` ships must run with APP_ENV=production (deploy a staging worker from its own [env.staging] with \`wrangler deploy --env staging\`)`,
    },
  ];
}

/** A secret in [vars] is readable by anyone with the repository and in the dashboard. */
function secretsInVars(vars: Record<string, string>): FieldError[] {
  return SECRET_NAMES.filter((name) => name in vars).map((name) => ({
    path: name,
    message: `${name} is a secret: remove it from [vars] and set it with \`wrangler secret put ${name}\``,
  }));
}

function main(): void {
  const { values } = parseArgs({ options: { config: { type: "string", default: "wrangler.toml" } } });
  const configPath = resolve(values.config);
  const { errors, unseenSecrets } = checkProduction(configPath, process.env);
  if (errors.length > 0) {
    console.error(`check:production: the production worker would refuse every request (${configPath}):`);
    for (const e of errors) console.error(`  ${e.path}: ${e.message}`);
    process.exitCode = 1;
    return;
  }
  console.error("check:production: the production vars pass the guard rails.");
  if (unseenSecrets.length > 0) {
    console.error(
      `Not checked here (not in this shell): ${unseenSecrets.join(", ")}. Each must be set with \`wrangler secret put NAME\`; the worker checks them on its first request.`,
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
