/**
 * The sources `wrangler deploy` bundles (dist/worker/) are the worker's own minus the OpenAPI
 * documentation: same lines and columns, same routes, same validation.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { app } from "../../functions/index";
import {
  DEPLOY_SOURCES_DIR,
  withoutOpenApiDocs,
  workerSourceFiles,
  writeDeploySources,
} from "./deploy-sources";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The local environment's vars ([env.dev]) and secrets no request here gets as far as using. */
function localBindings(): Record<string, unknown> {
  const config = unstable_readConfig(
    { config: join(root, "wrangler.toml"), env: "dev" },
    { hideWarnings: true },
  );
  return {
    ...config.vars,
    DATABASE_URL: "postgres://backline:backline@127.0.0.1:9/unused",
    UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
    UPSTASH_REDIS_REST_TOKEN: "unused-token",
    JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    MFA_ENCRYPTION_KEY: "test-mfa-key-0123456789abcdefghijklmnopqrstuvwxyz",
    STRIPE_SECRET_KEY: "sk_test_backline_local",
    STRIPE_WEBHOOK_SECRET: "whsec_backline_unused",
  };
}

/** Offsets of the line breaks in a text. */
const lineBreaks = (text: string) => [...text.matchAll(/\n/g)].map((m) => m.index);

describe("withoutOpenApiDocs", () => {
  it("drops a route's documentation and a schema's .openapi(…), and keeps the router's .openapi(route, handler)", () => {
    const source = [
      "const Body = z.object({ id: z.string().openapi({ example: 'a' }) }).openapi('Body');",
      "const get = createRoute({",
      "  method: 'get',",
      "  path: '/{id}',",
      "  tags: ['Things'],",
      "  summary: 'One thing',",
      "  security: [{ bearer: [] }],",
      "  request: { params: Body },",
      "  responses: { 200: jsonContent(Body, 'The thing'), 404: problemContent('No such thing') },",
      "});",
      "export const routes = createRouter().openapi(get, (c) => c.json({}));",
    ].join("\n");
    const stripped = withoutOpenApiDocs(source, "thing.ts");
    expect(stripped.length).toBe(source.length);
    expect(lineBreaks(stripped)).toEqual(lineBreaks(source));
    const code = stripped.replace(/\s+/g, " ");
    expect(code).toBe(
      "const Body = z.object({ id: z.string() }) ; const get = createRoute({ method: 'get', path: '/{id}', " +
        "request: { params: Body }, }); export const routes = createRouter().openapi(get, (c) => c.json({}));",
    );
  });

  it("keeps every line and column of every worker source, and its syntax", () => {
    const files = workerSourceFiles();
    expect(files.length).toBeGreaterThan(100);
    let changed = 0;
    for (const file of files) {
      const source = readFileSync(join(root, file), "utf8");
      const stripped = withoutOpenApiDocs(source, file);
      if (stripped !== source) changed += 1;
      expect(stripped.length, file).toBe(source.length);
      expect(lineBreaks(stripped), file).toEqual(lineBreaks(source));
      const { diagnostics } = ts.transpileModule(stripped, { fileName: file, reportDiagnostics: true });
      expect(
        diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
        file,
      ).toEqual([]);
    }
    expect(changed).toBeGreaterThan(20);
  });
});

describe("the deployed sources (dist/worker)", () => {
  let deployed: typeof app;
  beforeAll(async () => {
    writeDeploySources();
    const entry = pathToFileURL(join(root, DEPLOY_SOURCES_DIR, "functions/index.ts")).href;
    ({ app: deployed } = (await import(entry)) as { app: typeof app });
  }, 120_000);

  it("register the same routes, in the same order", () => {
    const routes = (a: typeof app) => a.routes.map((r) => `${r.method} ${r.path}`);
    expect(routes(deployed).length).toBeGreaterThan(90);
    expect(routes(deployed)).toEqual(routes(app));
  });

  it("validate a request as the sources do", async () => {
    const answer = async (a: typeof app) => {
      const response = await a.request("/api/lessons/Not%20a%20slug!", {}, localBindings());
      const { requestId: _, ...body } = (await response.json()) as Record<string, unknown>;
      return { status: response.status, type: response.headers.get("content-type"), body };
    };
    const expected = await answer(app);
    expect(expected.status).toBe(400);
    expect(await answer(deployed)).toEqual(expected);
  });
});
