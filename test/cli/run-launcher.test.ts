/**
 * bin/run.mjs (and so the `bert` command): the child process gets the V8 flag and the malloc tunables,
 * FILE sees `node FILE args` in process.argv, the exit code comes back, and BERT_RUNTIME_SETTINGS=off runs
 * FILE in the same process without them.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const script = path.join(root, 'test', 'fixtures', 'cli', 'print-runtime.ts');

function run(args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'run.mjs'), script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, BERT_RUNTIME_SETTINGS: undefined, GLIBC_TUNABLES: undefined, ...env },
  });
  const last = r.stdout.trim().split('\n').pop();
  return { status: r.status, out: last ? JSON.parse(last) : null, stderr: r.stderr };
}

describe('bin/run.mjs', () => {
  it('starts FILE with --max-semi-space-size=64 and the malloc tunables, passing the arguments on', () => {
    const { status, out } = run(['a', '--b', 'c d']);
    expect(status).toBe(0);
    expect(out.execArgv).toContain('--max-semi-space-size=64');
    expect(out.tunables).toBe('glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184');
    expect(out.args).toEqual(['a', '--b', 'c d']);
    expect(out.argv1).toBe(script);
  });

  it("keeps the user's own GLIBC_TUNABLES and does not override a malloc key they set", () => {
    const { out } = run([], { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1234:glibc.cpu.x86_shstk=off' });
    expect(out.tunables).toBe('glibc.malloc.trim_threshold=1234:glibc.cpu.x86_shstk=off:glibc.malloc.mmap_threshold=33554432');
  });

  it('does not leave its marker to the processes the child starts (they get the settings too)', () => {
    const { out } = run(['env']);
    expect(out.marker).toBeNull();
  });

  it("returns the child's exit code", () => {
    expect(run(['exit', '3']).status).toBe(3);
  });

  it('BERT_RUNTIME_SETTINGS=off runs FILE in this process, without the settings', () => {
    const { status, out } = run(['x'], { BERT_RUNTIME_SETTINGS: 'off' });
    expect(status).toBe(0);
    expect(out.execArgv).not.toContain('--max-semi-space-size=64');
    expect(out.tunables).toBeNull();
    expect(out.args).toEqual(['x']);
  });
});
