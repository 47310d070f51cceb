/**
 * The npm package as a user gets it: `npm pack` (which builds dist/ through prepack), the tarball installed
 * with npm into an empty project, then plain `node` (no tsx) and a fresh TypeScript project on it.
 *
 * The install takes the package's dependencies (seedrandom) from the npm registry, or npm's cache. gpu.js
 * is an optional peer dependency, and about 90 MB with its Dawn binaries: the check of the gpu.js device
 * worker links this repository's copy into the project instead of downloading it; so do the TypeScript
 * check with @types/node and this repository's compiler.
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/**
 * The environment without the settings of the process running the tests: npm's own variables (under
 * `npm test` they name this repository, and an npm started here must work on the temporary project),
 * NODE_OPTIONS (a loader such as tsx) and the library's BERT_* settings.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== 'NODE_OPTIONS' && !k.startsWith('BERT_')) env[k] = v;
  }
  return env;
}

/** Run a command to its end, asynchronously (vitest's worker stays responsive); reject with its output on failure. */
function run(file: string, args: string[], opts: ExecFileOptions & { input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env: cleanEnv(), maxBuffer: 64 << 20, encoding: 'utf8', ...opts }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed (${err.message}):\n${stdout}\n${stderr}`));
      else resolve(String(stdout));
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** The last line of a script's output, parsed: the scripts print their facts as one JSON line. */
function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

describe('the npm package', () => {
  let work: string;
  let app: string;
  /** `npm pack --json`'s record of the tarball */
  let packed: { filename: string; files: { path: string }[]; size: number; unpackedSize: number };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'bert-ts-package-'));
    app = join(work, 'app');
    mkdirSync(app);
    const t0 = Date.now();
    // prepack's build prints to the same stdout, before npm's JSON (an array, its '[' alone on a line)
    const out = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root });
    packed = JSON.parse(out.slice(out.search(/^\[$/m)))[0];
    const t1 = Date.now();
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await run('npm', ['install', '--no-audit', '--no-fund', join(work, packed.filename)], { cwd: app });
    const t2 = Date.now();
    console.log(
      `npm pack (with the build): ${((t1 - t0) / 1000).toFixed(1)} s; npm install: ${((t2 - t1) / 1000).toFixed(1)} s; ` +
        `tarball ${(packed.size / 1e6).toFixed(2)} MB, unpacked ${(packed.unpackedSize / 1e6).toFixed(2)} MB, ${packed.files.length} files`,
    );
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the compiled library, its types and source maps, the bin scripts and the README; no sources or tests', () => {
    const paths = packed.files.map((f) => f.path);
    for (const p of paths) expect(p).toMatch(/^(dist\/|bin\/(bert|run)\.mjs$|README\.md$|package\.json$|LICENSE)/);
    for (const p of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/index.js.map',
      'dist/accel/cpu/cpu-worker.js',
      'dist/accel/gpujs/device-worker.js',
      'bin/bert.mjs',
      'bin/run.mjs',
    ]) {
      expect(paths).toContain(p);
    }
    // every compiled module has its declarations and its map
    for (const js of paths.filter((p) => p.endsWith('.js'))) {
      expect(paths).toContain(js.replace(/\.js$/, '.d.ts'));
      expect(paths).toContain(js + '.map');
    }
  });

  it('trains, saves and reloads a BERT-Tiny with plain node, its worker threads started from dist/', async () => {
    copyFileSync(join(here, 'consumer.mjs'), join(app, 'consumer.mjs'));
    const facts = lastJson(await run(process.execPath, ['consumer.mjs'], { cwd: app }));
    expect(facts.tokens).toEqual(['[CLS]', 'the', 'cat', 'sat', 'on', 'the', 'mat', '.', '[SEP]', 'the', 'dog', '##s', 'ran', '.', '[SEP]', '[PAD]']);
    const losses = facts.losses as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]); // AdamW steps on one batch lower its loss
    expect(facts.gradsFinite).toBe(true);
    expect(facts.gradsNonZero).toBe(facts.parameterCount); // backward reached every parameter
    expect(facts.defaultMatmul).toBe('wasm'); // the wasm product compiles from the package
    expect(facts.byWorkers).toBeGreaterThan(0); // a worker thread (dist/accel/cpu/cpu-worker.js) computed chunks
    expect(facts.files).toEqual(['config.json', 'model.safetensors']);
    expect(facts.loadedArchitecture).toBe('BertForPreTraining');
    expect(facts.logitsShape).toEqual([4, 16, 14]);
    expect(facts.maxDiff).toBe(0); // the same float32 weights give the same logits
  });

  it('runs the `bert` command from the installed package', async () => {
    writeFileSync(join(app, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'dog', '##s'].join('\n') + '\n');
    const out = await run(join(app, 'node_modules', '.bin', 'bert'), ['tokenize', '--vocab', 'vocab.txt'], { cwd: app, input: '{"text":"the dogs"}\n' });
    expect(lastJson(out).tokens).toEqual(['[CLS]', 'the', 'dog', '##s', '[SEP]']);
  });

  it('says how to install gpu.js when a gpu.js backend is asked for without it', async () => {
    for (const backend of ['gpujs', 'gpujs-webgpu']) {
      const load = run(process.execPath, ['--input-type=module', '-e', "await import('bert-ts')"], { cwd: app, env: { ...cleanEnv(), BERT_BACKEND: backend } });
      await expect(load).rejects.toThrow(`BERT_BACKEND=${backend} needs the gpu.js package, an optional dependency of bert-ts: npm install gpu.js`);
    }
  });

  it('starts the gpu.js device worker from dist/ once gpu.js is installed', async () => {
    symlinkSync(realpathSync(join(root, 'node_modules', 'gpu.js')), join(app, 'node_modules', 'gpu.js'), 'dir');
    try {
      copyFileSync(join(here, 'device-worker.mjs'), join(app, 'device-worker.mjs'));
      const facts = lastJson(await run(process.execPath, ['device-worker.mjs'], { cwd: app }));
      expect(facts).toEqual({ name: 'gpujs-device-cpu', product: [58, 64, 139, 154], released: 'exited' });
    } finally {
      rmSync(join(app, 'node_modules', 'gpu.js'));
    }
  });

  it('gives its types to a fresh TypeScript project (strict, the package .d.ts files checked)', async () => {
    mkdirSync(join(app, 'node_modules', '@types'), { recursive: true });
    symlinkSync(realpathSync(join(root, 'node_modules', '@types', 'node')), join(app, 'node_modules', '@types', 'node'), 'dir');
    copyFileSync(join(here, 'consumer.ts'), join(app, 'consumer.ts'));
    const compilerOptions = {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    // tsc prints nothing when the file checks; on an error, run() rejects with tsc's messages
    expect(await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app })).toBe('');
  });
});
