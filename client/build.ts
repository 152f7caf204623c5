/**
 * `npm run client:build`: bundles the SDK into one ES module and one declaration file,
 * client/dist/backline.js and client/dist/backline.d.ts, for `import … from "/sdk/backline.js"`;
 * and the drop-in serviceFactory of the Music Producer Lab spec (the SDK behind the spec's five
 * interfaces) into client/dist/service-factory.js and .d.ts, for `/sdk/service-factory.js`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { generateDtsBundle } from "dts-bundle-generator";
import { build } from "esbuild";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const outDir = here("dist/");

/** The bundles: entry source and output name (without extension). */
export const ENTRIES = {
  backline: here("src/index.ts"),
  "service-factory": here("src/service-factory/index.ts"),
} as const;
export type EntryName = keyof typeof ENTRIES;

/** One entry as an ES module: one file, no imports, for browsers without a build step. */
export async function bundleEntry(name: EntryName, options: { write: boolean }) {
  return build({
    entryPoints: [ENTRIES[name]],
    outfile: `${outDir}${name}.js`,
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

/** The SDK's ES module (client/dist/backline.js). */
export function bundleModule(options: { write: boolean }) {
  return bundleEntry("backline", options);
}

/** The declarations of one entry's public API, in one file beside its module. */
export function bundleEntryDeclarations(name: EntryName): string {
  // No library is imported or referenced (the file stands alone), so zod's and @types/node's
  // declarations are only read for types: without this the generator asks of each of their
  // statements whether the public API uses it, a graph walk that took ~100 s for zod alone.
  const libraries = { importedLibraries: [], allowedTypesLibraries: [] };
  const [declarations] = generateDtsBundle(
    [{ filePath: ENTRIES[name], output: { noBanner: true }, libraries }],
    { preferredConfigPath: here("tsconfig.json") },
  );
  return declarations as string;
}

/** The SDK's declarations (client/dist/backline.d.ts). */
export function bundleDeclarations(): string {
  return bundleEntryDeclarations("backline");
}

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const name of Object.keys(ENTRIES) as EntryName[]) {
    const result = await bundleEntry(name, { write: true });
    await writeFile(`${outDir}${name}.d.ts`, bundleEntryDeclarations(name));
    const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
    console.log(`client/dist/${name}.js (${(bytes / 1024).toFixed(1)} KiB) and client/dist/${name}.d.ts`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
