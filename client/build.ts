/**
 * `npm run client:build`: bundles the SDK into one ES module and one declaration file,
 * client/dist/backline.js and client/dist/backline.d.ts, for `import … from "/sdk/backline.js"`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { generateDtsBundle } from "dts-bundle-generator";
import { build } from "esbuild";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const entry = here("src/index.ts");
const outDir = here("dist/");

/** The ES module: one file, no imports, for browsers without a build step. */
export async function bundleModule(options: { write: boolean }) {
  return build({
    entryPoints: [entry],
    outfile: `${outDir}backline.js`,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: options.write,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
    write: options.write,
  });
}

/** The declarations of the public API, in one file beside the module. */
export function bundleDeclarations(): string {
  const [declarations] = generateDtsBundle([{ filePath: entry, output: { noBanner: true } }], {
    preferredConfigPath: here("tsconfig.json"),
  });
  return declarations as string;
}

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const result = await bundleModule({ write: true });
  await writeFile(`${outDir}backline.d.ts`, bundleDeclarations());
  const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
  console.log(`client/dist/backline.js (${(bytes / 1024).toFixed(1)} KiB) and client/dist/backline.d.ts`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
