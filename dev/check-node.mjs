// Fails fast when an npm script runs on a Node older than the project needs.
// The node@22 devDependency puts Node 22 first on PATH inside npm scripts; an
// `npm install --ignore-scripts` skips its download and leaves the system Node.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `Backline needs Node >= 22.12, but this script runs on Node ${process.versions.node}.\n` +
      "Run it through npm (npm run …, npx …) after a plain `npm install`, which installs Node 22\n" +
      "from the node@22 devDependency. Do not use --ignore-scripts.",
  );
  process.exit(1);
}
