#!/usr/bin/env node
// The `bert` command. In a clone of the repository it runs the TypeScript sources through tsx, so
// `npx bert ...` works right after `npm ci` with no build step (and never runs a stale dist/). Installed from
// npm, the package holds no sources, and it runs the compiled dist/ with plain node. run.mjs starts the CLI in
// a node process with the runtime settings training wants (a larger young generation, malloc that keeps
// freed memory): see its header.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWithSettings } from './run.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
const compiled = path.join(root, 'dist', 'cli', 'main.js');
const main = existsSync(source) ? source : compiled;
if (!existsSync(main)) {
  console.error(`bert: found neither ${source} (a clone of the repository) nor ${compiled} (the built package): run \`npm run build\``);
  process.exitCode = 1;
} else {
  await runWithSettings(main, process.argv.slice(2));
}
