/**
 * The committed, generated src/accel/wasm/matmul-wasm.ts is what scripts/build-wasm.ts makes from
 * matmul.wat today (so the binary cannot drift from its source), and that binary is a valid module with
 * the exports the backend calls.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedGeneratedModule, GENERATED_FILE } from '../../scripts/build-wasm.ts';
import { MATMUL_WASM_BASE64 } from '../../src/accel/wasm/matmul-wasm.ts';
import { WebAssemblyApi as WA } from '../../src/accel/wasm/webassembly.ts';

describe('wasm build', () => {
  it('matmul-wasm.ts is up to date with matmul.wat (else run: npx tsx scripts/build-wasm.ts)', async () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(await expectedGeneratedModule());
  });

  it('the binary validates and exports gemm and runChunks, importing one shared memory', () => {
    const bytes = Buffer.from(MATMUL_WASM_BASE64, 'base64');
    expect(WA.validate(bytes)).toBe(true);
    const module = new WA.Module(bytes);
    expect(
      WA.Module.exports(module)
        .map((e) => e.name)
        .sort(),
    ).toEqual(['gemm', 'runChunks']);
    expect(WA.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
  });
});
