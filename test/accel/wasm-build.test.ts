/**
 * The committed, generated src/accel/wasm/matmul-wasm.ts is what scripts/build-wasm.ts makes from
 * matmul.wat today (so the binaries cannot drift from their source), both binaries are valid modules with
 * the exports the backend calls, and the fused binary's text differs from the plain one's by the
 * multiply-adds only.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedGeneratedModule, fusedMultiplyAddText, GENERATED_FILE, WAT_FILE } from '../../scripts/build-wasm.ts';
import { MATMUL_FMA_WASM_BASE64, MATMUL_WASM_BASE64 } from '../../src/accel/wasm/matmul-wasm.ts';
import { kernelBytes } from '../../src/accel/wasm/module.ts';
import { WebAssemblyApi as WA } from '../../src/accel/wasm/webassembly.ts';

describe('wasm build', () => {
  it('matmul-wasm.ts is up to date with matmul.wat (else run: npx tsx scripts/build-wasm.ts)', async () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(await expectedGeneratedModule());
  });

  for (const [name, base64] of [
    ['plain', MATMUL_WASM_BASE64],
    ['fused', MATMUL_FMA_WASM_BASE64],
  ]) {
    it(`the ${name} binary validates and exports gemm, packInterleaved, packSlices and runChunks, importing one shared memory`, () => {
      kernelBytes('fused'); // lets this runtime validate relaxed SIMD (Node 20: a V8 flag)
      const bytes = Buffer.from(base64, 'base64');
      expect(WA.validate(bytes)).toBe(true);
      const module = new WA.Module(bytes);
      expect(
        WA.Module.exports(module)
          .map((e) => e.name)
          .sort(),
      ).toEqual(['gemm', 'packInterleaved', 'packSlices', 'runChunks']);
      expect(WA.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    });
  }

  it("the fused text replaces each of the tile's 8 multiply-adds acc + x * y with (f32x4.relaxed_madd x y acc), and nothing else", () => {
    const plain = readFileSync(WAT_FILE, 'utf8');
    const fused = fusedMultiplyAddText(plain);
    expect(fused.match(/f32x4\.relaxed_madd/g)?.length).toBe(8);
    expect(fused).not.toMatch(/f32x4\.mul/);
    expect(fused).toContain('(f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c00))');
    expect(
      fused.replace(
        /\(f32x4\.relaxed_madd \(local\.get (\$\w+)\) \(local\.get (\$\w+)\) \(local\.get (\$\w+)\)\)/g,
        '(f32x4.add (local.get $3) (f32x4.mul (local.get $1) (local.get $2)))',
      ),
    ).toBe(plain);
  });

  it('the fused text refuses a multiply that is not part of a multiply-add', () => {
    expect(() => fusedMultiplyAddText('(f32x4.mul (local.get $a) (local.get $b))')).toThrow(/every one of the 1 f32x4.mul in a multiply-add, fused 0/);
  });
});
