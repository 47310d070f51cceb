/**
 * Packing for the wasm kernel (src/accel/wasm/pack.ts) against its definition, on random shapes in both
 * stored layouts: Ap[ip][p][r] = op(A)[4 ip + r, p] and Bp[jp][p][c] = op(B)[p, 8 jp + c], zeros past m and n,
 * and nothing written outside the packed range; and the wasm packing (matmul.ts packInWasm, matmul.wat's
 * packInterleaved and packSlices) gives their panels exactly, on shapes whose depth and row count are not
 * multiples of 4 and 8.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packInWasm } from '../../src/accel/wasm/matmul.ts';
import { heapF32 } from '../../src/accel/wasm/module.ts';
import { scratchBase } from '../../src/accel/wasm/resident.ts';
import { packA, packB, TILE_M, TILE_N } from '../../src/accel/wasm/pack.ts';

const shape = fc.record({
  rows: fc.integer({ min: 1, max: 37 }),
  k: fc.integer({ min: 1, max: 29 }),
  transposed: fc.boolean(),
  off: fc.integer({ min: 0, max: 5 }),
});

/** Values 1, 2, 3, ... after `off` leading NaNs, so a misplaced read shows. */
function operand(off: number, size: number): Float32Array {
  const a = new Float32Array(off + size).fill(NaN);
  for (let i = 0; i < size; i++) a[off + i] = i + 1;
  return a;
}

describe('wasm packing', () => {
  it('packB lays out 8-column panels of op(B), zero-padded, for B stored [k, n] or [n, k]', () => {
    fc.assert(
      fc.property(shape, ({ rows: n, k, transposed, off }) => {
        const b = operand(off, n * k);
        const panels = Math.ceil(n / TILE_N);
        const dst = new Float32Array(3 + panels * k * TILE_N + 3).fill(-1);
        packB(b, off, n, k, transposed, dst, 3);
        for (let jp = 0; jp < panels; jp++) {
          for (let p = 0; p < k; p++) {
            for (let c = 0; c < TILE_N; c++) {
              const j = jp * TILE_N + c;
              const want = j >= n ? 0 : transposed ? b[off + j * k + p] : b[off + p * n + j];
              expect(dst[3 + (jp * k + p) * TILE_N + c]).toBe(want);
            }
          }
        }
        expect([dst[0], dst[1], dst[2], dst[dst.length - 1]]).toEqual([-1, -1, -1, -1]);
      }),
      { numRuns: 60, seed: 8 },
    );
  });

  it('packA lays out 4-row panels of op(A), zero-padded, for A stored [m, k] or [k, m]', () => {
    fc.assert(
      fc.property(shape, ({ rows: m, k, transposed, off }) => {
        const a = operand(off, m * k);
        const panels = Math.ceil(m / TILE_M);
        const dst = new Float32Array(2 + panels * k * TILE_M + 2).fill(-1);
        packA(a, off, m, k, transposed, dst, 2);
        for (let ip = 0; ip < panels; ip++) {
          for (let p = 0; p < k; p++) {
            for (let r = 0; r < TILE_M; r++) {
              const i = ip * TILE_M + r;
              const want = i >= m ? 0 : transposed ? a[off + p * m + i] : a[off + i * k + p];
              expect(dst[2 + (ip * k + p) * TILE_M + r]).toBe(want);
            }
          }
        }
        expect([dst[0], dst[1], dst[dst.length - 1]]).toEqual([-1, -1, -1]);
      }),
      { numRuns: 60, seed: 9 },
    );
  });

  it("packInWasm (a memcpy, then matmul.wat's packInterleaved or packSlices) gives pack.ts's panels for A and B in both stored layouts, writing nothing else", () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 70 }),
          k: fc.integer({ min: 1, max: 70 }),
          off: fc.integer({ min: 0, max: 5 }),
          operandIsA: fc.boolean(),
          rowsStoredAlongK: fc.boolean(),
        }),
        ({ rows, k, off, operandIsA, rowsStoredAlongK }) => {
          const src = operand(off, rows * k);
          const width = operandIsA ? TILE_M : TILE_N;
          const panelFloats = Math.ceil(rows / width) * width * k;
          const want = new Float32Array(panelFloats);
          // pack.ts's `transposed`: A stored [k, m]; B stored [n, k]
          if (operandIsA) packA(src, off, rows, k, !rowsStoredAlongK, want, 0);
          else packB(src, off, rows, k, rowsStoredAlongK, want, 0);
          const panels = scratchBase() + 16; // bytes: past the control block and any resident region
          const staging = panels + 4 * (panelFloats + 8);
          const heap = heapF32(staging + 4 * rows * k);
          heap.fill(-1, panels / 4 - 4, panels / 4 + panelFloats + 8);
          packInWasm(src, off, rows, k, rowsStoredAlongK, width, heap, panels, staging);
          const got = heapF32(0).subarray(panels / 4, panels / 4 + panelFloats);
          expect(Array.from(got)).toEqual(Array.from(want));
          const around = heapF32(0);
          expect([around[panels / 4 - 1], around[panels / 4 + panelFloats]]).toEqual([-1, -1]);
        },
      ),
      { numRuns: 150, seed: 10 },
    );
  });
});
