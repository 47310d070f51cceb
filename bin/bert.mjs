#!/usr/bin/env node
// The `bert` command. The project is written in TypeScript and runs from source through tsx,
// so `npx bert ...` works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
