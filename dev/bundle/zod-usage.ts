/**
 * Which members of zod's `z` the worker's own code reads at run time. The worker bundles a `z`
 * with only those (shared/zod, wrangler.toml `[alias] zod`) while tests and tsc use zod itself,
 * so a new `z.something` must be added there or it would be undefined only once deployed:
 * dev/bundle/bundle.test.ts compares this list with what shared/zod exports.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

/** The worker's sources: functions/, shared/ and db/, without tests and declarations. */
export function workerSources(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return name.endsWith(".ts") && !/\.(test|d)\.ts$/.test(name) ? [path] : [];
    });
  return ["functions", "shared", "db"].flatMap((dir) => walk(join(root, dir)));
}

const ZOD_MODULES = new Set(["zod", "@hono/zod-openapi"]);

/** What one file takes from zod: `z.name` reads, named value imports, and uses of `z` itself. */
export interface ZodUsage {
  members: Set<string>;
  /** `z` used other than as `z.name` (passed, spread, indexed): its members cannot be listed. */
  opaque: string[];
}

/** The zod members `files` read at run time; type positions (`z.infer<…>`, `z.core.$ZodIssue`) do not count. */
export function zodUsage(root: string, files: string[]): ZodUsage {
  const usage: ZodUsage = { members: new Set(), opaque: [] };
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const names = zodBindings(source, usage);
    if (names.size === 0) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node)) return;
      if (ts.isIdentifier(node) && names.has(node.text)) {
        const parent = node.parent;
        if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
          usage.members.add(parent.name.text);
        } else if (!ts.isQualifiedName(parent) && !ts.isTypeQueryNode(parent)) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart());
          usage.opaque.push(`${relative(root, file)}:${line + 1}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return usage;
}

/** The local names bound to the `z` namespace; named value imports from zod go straight to `usage`. */
function zodBindings(source: ts.SourceFile, usage: ZodUsage): Set<string> {
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const from = statement.moduleSpecifier.text;
    const clause = statement.importClause;
    if (!ZOD_MODULES.has(from) || !clause || clause.isTypeOnly) continue;
    const bindings = clause.namedBindings;
    if (from === "zod" && clause.name) names.add(clause.name.text);
    if (bindings && ts.isNamespaceImport(bindings) && from === "zod") names.add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        if (element.isTypeOnly) continue;
        const imported = (element.propertyName ?? element.name).text;
        if (from === "@hono/zod-openapi" && imported === "z") names.add(element.name.text);
        else if (from === "zod") usage.members.add(imported);
      }
    }
  }
  return names;
}
