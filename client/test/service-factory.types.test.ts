/**
 * Test 8 of the spec ("JSDoc type checking"): a page's JavaScript with `// @ts-check` beside
 * the built client/dist/service-factory.d.ts gets the methods offered on `authService.` and a
 * type error on `authService.signIn(123, 456)`, as an editor's TypeScript service shows them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleEntryDeclarations } from "../build";

const FIXTURES = new URL("fixtures/editor/", import.meta.url);
const OPTIONS: ts.CompilerOptions = {
  allowJs: true,
  checkJs: true,
  noEmit: true,
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  types: [],
};

let dir = "";

/** The site's folder: the module's declarations and the fixture pages. */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "service-factory-editor-"));
  writeFileSync(join(dir, "service-factory.d.ts"), bundleEntryDeclarations("service-factory"));
  for (const name of ["app.js", "misuse.js"])
    writeFileSync(join(dir, name), readFileSync(new URL(name, FIXTURES), "utf8"));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The errors TypeScript reports in one file, as `line: message`. */
function errorsIn(file: string): string[] {
  const path = join(dir, file);
  const program = ts.createProgram([path], OPTIONS);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === path)
    .map((d) => {
      const { line } = d.file?.getLineAndCharacterOfPosition(d.start ?? 0) ?? { line: -1 };
      return `${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
}

describe("the .d.ts in an editor (spec Test 8)", () => {
  it("offers every method of the auth service after `authService.`", () => {
    const path = join(dir, "app.js");
    const text = readFileSync(path, "utf8");
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => OPTIONS,
      getScriptFileNames: () => [path],
      getScriptVersion: () => "1",
      getScriptSnapshot: (name) => {
        try {
          return ts.ScriptSnapshot.fromString(readFileSync(name, "utf8"));
        } catch {
          return undefined;
        }
      },
      getCurrentDirectory: () => dir,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
    };
    const service = ts.createLanguageService(host);
    // Where an editor asks after typing `authService.` (it filters by the word typed next).
    const at = text.indexOf("authService.init") + "authService.".length;
    const completions = service.getCompletionsAtPosition(path, at, {});
    expect(completions?.entries.map((e) => e.name).sort()).toEqual(
      // The spec's six, and two-step sign-in's second step.
      ["completeSignIn", "getAuthState", "init", "onAuthStateChanged", "signIn", "signOut", "signUp"].sort(),
    );
  });

  it("flags signIn(123, 456) and a checkout called with an object, and nothing else", () => {
    expect(errorsIn("misuse.js")).toEqual([
      "6: Argument of type 'number' is not assignable to parameter of type 'string'.",
      "11: Argument of type '{ priceId: string; }' is not assignable to parameter of type 'string'.",
    ]);
  });
});
