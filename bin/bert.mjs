#!/usr/bin/env -S node --max-semi-space-size=64
// The `bert` command. The project is written in TypeScript and runs from source through tsx,
// so `npx bert ...` works right after `npm ci` with no build step.
// --max-semi-space-size=64 (MB) enlarges V8's young generation: every tensor op allocates small objects
// (the Tensor, its shape, the backward closure), and with the default 16 MB the collector ran so often that
// it took 16% of a BERT-Tiny training step; with 64 MB the step is about 20% faster (docs/performance.md).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
