/**
 * Prepacked weights: a Linear layer's weight packed once into the wasm kernel's panel layout and kept in
 * wasm memory, so that the products `x @ W^T` stop packing W on every call.
 *
 * Why: in a batch-1 BERT-Base forward every weight is used once, for a product of only 128 rows, and packing
 * op(B) is about a tenth of the forward (docs/performance.md), all of it on the main thread while the worker
 * threads wait. Inference uses the same weights forward after forward.
 *
 * How it stays correct: the packed copy is the weight's `external` values (tensor/external-values.ts), the
 * core's contract for values held outside the host array. Writing a weight in place goes with
 * `markHostChanged()` (AdamW and checkpoint loading call it), which gives the holder the new values: here,
 * packed again into the same region. Code that writes `weight.data` without calling it would leave the
 * panels stale, which is why prepacking is a step the user takes (`prepackWeights(model)`, as inference
 * engines freeze a model), not something the kernels do behind one's back. `releasePrepackedWeights` undoes it.
 *
 * The panels are exactly those the per-call path packs (the same packB), so results are bit-identical with
 * and without prepacking.
 */
import type { KernelFor } from '../../autograd/dispatch.ts';
import { Linear } from '../../nn/linear.ts';
import type { Module } from '../../nn/module.ts';
import type { matmulReference } from '../../ops/matmul.ts';
import type { DType, TypedArray } from '../../tensor/dtype.ts';
import type { ExternalValues } from '../../tensor/external-values.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { heapF32 } from './module.ts';
import { packB, TILE_N } from './pack.ts';
import { allocateResident, freeResident } from './resident.ts';

/** A weight W stored [n, k] whose op(B) = W^T panels sit in wasm memory at `address`. */
export class PrepackedWeight implements ExternalValues {
  readonly backend = 'cpu';
  readonly dtype: DType = 'float32';
  readonly size: number;
  /** Byte address of the panels in wasm memory, and their length in bytes. */
  readonly address: number;
  readonly bytes: number;
  private released = false;

  /**
   * @param host the weight's values, [n, k] row-major (the tensor keeps them: `read` returns this array)
   */
  constructor(
    private host: Float32Array,
    readonly n: number,
    readonly k: number,
  ) {
    if (host.length !== n * k) throw new Error(`PrepackedWeight: [${n}, ${k}] needs ${n * k} values, got ${host.length}`);
    this.size = n * k;
    this.bytes = 4 * Math.ceil(n / TILE_N) * TILE_N * k;
    this.address = allocateResident(this.bytes);
    this.pack();
  }

  private pack(): void {
    packB(this.host, 0, this.n, this.k, true, heapF32(this.address + this.bytes), this.address / 4);
  }

  /** The host values (the tensor's own array: nothing to copy). */
  read(): TypedArray {
    return this.host;
  }

  /** New host values (an optimizer step, a loaded checkpoint): packed again into the same region. */
  rewrite(values: TypedArray): ExternalValues {
    if (!(values instanceof Float32Array) || values.length !== this.size) {
      throw new Error(`PrepackedWeight.rewrite: expected ${this.size} float32 values, got ${values.length} ${values.constructor.name}`);
    }
    if (this.released) throw new Error('PrepackedWeight.rewrite: the panels were released');
    this.host = values;
    this.pack();
    return this;
  }

  /** Give the region back (after this, the weight must no longer point at these panels). */
  release(): void {
    if (this.released) return;
    this.released = true;
    freeResident(this.address, this.bytes);
  }

  /** Whether the product out = op(A) @ op(B) with these attributes is `x @ W^T` with this weight as B. */
  serves(attrs: { n: number; k: number; transposeB: boolean; bBatchStride: number }): boolean {
    return !this.released && attrs.transposeB && attrs.bBatchStride === 0 && attrs.n === this.n && attrs.k === this.k;
  }
}

/** The prepacked panels `b` holds, if they serve this product; else null. */
export function prepackedFor(b: Tensor, attrs: { n: number; k: number; transposeB: boolean; bBatchStride: number; dtype: DType }): PrepackedWeight | null {
  const ext = b.external;
  return ext instanceof PrepackedWeight && attrs.dtype === 'float32' && b.size === ext.size && ext.serves(attrs) ? ext : null;
}

/**
 * A 'matmul' kernel that runs products whose B is a prepacked weight with `prepacked` (when `usable()`
 * says the wasm product is the one in use), and every other product with `plain`.
 */
export function withPrepackedWeights(
  plain: KernelFor<typeof matmulReference>,
  prepacked: (inputs: { a: Tensor; b: Tensor }, attrs: Parameters<KernelFor<typeof matmulReference>>[1], weight: PrepackedWeight) => Tensor,
  usable: () => boolean,
): KernelFor<typeof matmulReference> {
  return (inputs, attrs) => {
    const weight = prepackedFor(inputs.b, attrs);
    return weight !== null && usable() ? prepacked(inputs, attrs, weight) : plain(inputs, attrs);
  };
}

/** Every Linear weight of `module` (float32, on the host), in registration order. */
function linearWeights(module: Module): Tensor[] {
  return module
    .namedModules()
    .map(([, m]) => m)
    .filter((m): m is Linear => m instanceof Linear)
    .map((m) => m.weight);
}

/**
 * Pack every Linear weight of `module` once into wasm memory, for products that reuse it (inference).
 * Returns how many weights were packed and their bytes. A weight written in place afterwards must be followed
 * by `markHostChanged()` (the optimizer and checkpoint loading do this), or its panels go stale.
 */
export function prepackWeights(module: Module): { weights: number; bytes: number } {
  let weights = 0;
  let bytes = 0;
  for (const w of linearWeights(module)) {
    if (w.external instanceof PrepackedWeight) continue;
    if (w.external !== null) throw new Error(`prepackWeights: ${w.name ?? 'a weight'} is held by the ${w.external.backend} backend already`);
    const data = w.data;
    if (!(data instanceof Float32Array) || w.rank !== 2) continue; // float64 products never use the wasm kernel
    const packed = new PrepackedWeight(data, w.shape[0], w.shape[1]);
    w.setExternalValues(packed); // drops the host reference; `data` gets the same array back from read()
    void w.data;
    weights++;
    bytes += packed.bytes;
  }
  return { weights, bytes };
}

/** Undo prepackWeights: the weights are host values only again, and their wasm memory is reused later. */
export function releasePrepackedWeights(module: Module): number {
  let released = 0;
  for (const w of linearWeights(module)) {
    if (!(w.external instanceof PrepackedWeight)) continue;
    void w.data; // the host values stay
    w.external.release();
    w.external = null;
    released++;
  }
  return released;
}
