/**
 * The layering of src/, checked rather than described (docs/architecture.md shows it):
 *   - every import points down the layer order below (or stays in its own layer);
 *   - the core (tensor, autograd, ops, nn, optim, bert) imports nothing but the core and its packages: not
 *     the speed layer, the CLI, the trainers, the Hugging Face files, nor a Node-only module (node:fs,
 *     node:os, node:worker_threads, ...), so that it reads alone and runs in a browser;
 *   - no code of the core (comments aside) speaks of devices, workers, WebAssembly or gpu.js.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The layers from the bottom up: a file may import from its own layer and the layers before it. */
export const LAYER_ORDER = [
  'tensor',
  'autograd',
  'ops',
  'nn',
  'optim',
  'bert',
  'io',
  'tokenizer',
  'metrics',
  'viz',
  'data',
  'accel',
  'hf',
  'train',
  'cli',
  'index',
] as const;
/** The teaching core: what a reader reads for every number BERT computes. */
export const CORE = ['tensor', 'autograd', 'ops', 'nn', 'optim', 'bert'];
/** Packages the core may use. */
const CORE_PACKAGES = ['seedrandom'];
/** Words that name speed machinery, not allowed in the core's code. */
const SPEED_WORDS = /device|worker|gpujs|gpu\.js|wasm|webassembly/i;

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

interface SourceFile {
  /** Path relative to src/, with forward slashes: 'ops/matmul.ts'. */
  path: string;
  source: string;
}

function listSources(dir = SRC): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(full));
    else if (/\.(ts|mjs|js)$/.test(entry.name)) out.push({ path: relative(SRC, full).split('\\').join('/'), source: readFileSync(full, 'utf8') });
  }
  return out;
}

/** The layer of a path under src/: its first folder ('index' for files at the top). */
function layerOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.indexOf('/')) : 'index';
}

/** Every module specifier a file imports or re-exports (static and dynamic), with its line number. */
export function importsOf(source: string): { specifier: string; line: number }[] {
  const found: { specifier: string; line: number }[] = [];
  const patterns = [/\b(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) {
    for (const m of source.matchAll(re)) found.push({ specifier: m[1], line: source.slice(0, m.index).split('\n').length });
  }
  return found;
}

/** The source without its comments (strings kept), for looking at the code alone. */
export function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** What breaks the rules, one line each: "ops/x.ts:3 imports ../accel/cpu/index.ts: the core imports the speed layer". */
export function violations(files: SourceFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const layer = layerOf(file.path);
    const rank = LAYER_ORDER.indexOf(layer as (typeof LAYER_ORDER)[number]);
    const inCore = CORE.includes(layer);
    if (rank < 0) problems.push(`${file.path}: the folder "${layer}" is not in the layer order (test/architecture/layers.test.ts)`);
    for (const { specifier, line } of importsOf(file.source)) {
      const where = `${file.path}:${line} imports ${specifier}`;
      if (specifier.startsWith('.')) {
        const target = join(dirname(file.path), specifier).split('\\').join('/');
        if (target.startsWith('..')) {
          problems.push(`${where}: outside src/`);
          continue;
        }
        const targetLayer = layerOf(target);
        const targetRank = LAYER_ORDER.indexOf(targetLayer as (typeof LAYER_ORDER)[number]);
        if (inCore && !CORE.includes(targetLayer)) problems.push(`${where}: the core imports ${targetLayer}, which is not core`);
        else if (targetRank > rank) problems.push(`${where}: ${layer} imports ${targetLayer}, a layer above it`);
      } else if (inCore) {
        const nodeOnly = specifier.startsWith('node:') || ['fs', 'os', 'path', 'worker_threads', 'child_process', 'vm', 'v8', 'url'].includes(specifier);
        if (nodeOnly) problems.push(`${where}: the core imports a Node-only module`);
        else if (!CORE_PACKAGES.includes(specifier)) problems.push(`${where}: the core imports the package ${specifier}`);
      }
    }
    if (inCore) {
      withoutComments(file.source)
        .split('\n')
        .forEach((text, i) => {
          if (SPEED_WORDS.test(text)) problems.push(`${file.path}:${i + 1}: speed machinery in the core's code: ${text.trim()}`);
        });
    }
  }
  return problems;
}

describe('the layers of src/', () => {
  const files = listSources();

  it('every import points down the layer order, and the core imports only the core and no Node-only module', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(violations(files)).toEqual([]);
  });

  it('fails on a core file importing the speed layer, the trainers, a Node-only module or a layer above it', () => {
    const planted: SourceFile[] = [
      { path: 'ops/planted.ts', source: "import { matmulBlocked } from '../accel/cpu/matmul-blocked.ts';\n" },
      { path: 'nn/planted.ts', source: "import { pretrain } from '../train/pretrain.ts';\nimport { readFileSync } from 'node:fs';\n" },
      { path: 'autograd/planted.ts', source: "export { layerNorm } from '../ops/layer-norm.ts';\n" },
      { path: 'data/planted.ts', source: "const m = await import('../train/pretrain.ts');\n" },
      { path: 'optim/planted.ts', source: '// a comment may speak of a device\nconst onDevice = 1;\n' },
    ];
    expect(violations(planted)).toEqual([
      'ops/planted.ts:1 imports ../accel/cpu/matmul-blocked.ts: the core imports accel, which is not core',
      'nn/planted.ts:1 imports ../train/pretrain.ts: the core imports train, which is not core',
      'nn/planted.ts:2 imports node:fs: the core imports a Node-only module',
      'autograd/planted.ts:1 imports ../ops/layer-norm.ts: autograd imports ops, a layer above it',
      'data/planted.ts:1 imports ../train/pretrain.ts: data imports train, a layer above it',
      "optim/planted.ts:2: speed machinery in the core's code: const onDevice = 1;",
    ]);
  });
});
