// Copies the Scalar API reference bundle into the static assets, so /docs renders offline.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules/@scalar/api-reference/dist/browser/standalone.js");
mkdirSync(join(root, "public/vendor"), { recursive: true });
copyFileSync(source, join(root, "public/vendor/scalar-api-reference.js"));
