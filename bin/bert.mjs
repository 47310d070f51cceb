#!/usr/bin/env node
// The `bert` command. The project is written in TypeScript and runs from source through tsx,
// so `npx bert ...` works right after `npm ci` with no build step. run.mjs starts src/cli/main.ts in a
// node process with the runtime settings training wants (a larger young generation, malloc that keeps
// freed memory): see its header.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWithSettings } from './run.mjs';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.ts');
await runWithSettings(main, process.argv.slice(2));
