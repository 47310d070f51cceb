/**
 * Inverted dropout: in training each element is zeroed with probability p and the survivors are scaled
 * by 1/(1-p), so the expected value is unchanged and evaluation needs no rescaling. The mask comes from
 * the seeded generator, so a run replays exactly.
 *
 * How the mask is drawn from the generator is the `masks` argument:
 *   stream   one sequential stream (xoshiro128**, seeded by four words of `rng`) drawn element by element:
 *            the reference below, and the fastest way on a CPU;
 *   counter  a counter-based generator (Speck32/64) keyed by two of four words of `rng`: each element's draw
 *            is computed from its index alone, so a GPU can make the mask itself instead of receiving it.
 *            The speed layer provides it (src/accel/dropout-masks.ts), on the host and on a device;
 *   auto     the stream, except where the speed layer holds x on a device: there the counter.
 * Either way four words of `rng` are drawn per call, so everything else drawn from `rng` stays the same.
 * The kind is part of a training run's settings (train/checkpoint.ts keeps a resume from changing it).
 */
import { dispatch } from '../autograd/dispatch.ts';
import { recordResult, type OpResult } from '../autograd/record.ts';
import { allocate } from '../tensor/dtype.ts';
import type { Rng } from '../tensor/random.ts';
import { Tensor } from '../tensor/tensor.ts';
import { Xoshiro128 } from '../tensor/xoshiro128.ts';
import { assertFloat } from './checks.ts';
import type { FloatArray } from './matmul.ts';

/** The ways to draw dropout masks (see the file's header). */
export const DROPOUT_MASK_KINDS = ['auto', 'stream', 'counter'] as const;
export type DropoutMasks = (typeof DROPOUT_MASK_KINDS)[number];

/** Whether `kind` is one of DROPOUT_MASK_KINDS. */
export function isDropoutMasks(kind: unknown): kind is DropoutMasks {
  return (DROPOUT_MASK_KINDS as readonly unknown[]).includes(kind);
}

/**
 * @param x any shape
 * @param p probability of dropping an element, in [0, 1)
 * @param rng the generator the mask is drawn from (four words per call)
 * @param training when false (evaluation) dropout is the identity
 * @param masks how the mask is drawn from rng (see the file's header)
 * @returns x's shape
 */
export function dropout(x: Tensor, p: number, rng: Rng, training = true, masks: DropoutMasks = 'auto'): Tensor {
  assertFloat('dropout', x);
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: probability must be in [0, 1), got ${p}`);
  if (!isDropoutMasks(masks)) throw new Error(`dropout: masks must be one of ${DROPOUT_MASK_KINDS.join(', ')}, got ${String(masks)}`);
  if (!training || p === 0) return x;
  return recordResult(dispatch('dropout', { x }, { p, rng, masks }, dropoutReference), [x], 'dropout');
}

/** The attributes of kernel 'dropout'. */
export interface DropoutAttrs {
  p: number;
  rng: Rng;
  masks: DropoutMasks;
}

/**
 * [docs: dropout-stream-mask]
 * The reference of kernel 'dropout', with the stream mask: element i is kept when the i-th 32-bit draw is at
 * or above p 2^32 (probability 1 - p), and then multiplied by 1 / (1 - p). The backward multiplies the
 * gradient by the same mask.
 */
export function dropoutReference({ x }: { x: Tensor }, { p, rng, masks }: DropoutAttrs): OpResult {
  if (masks === 'counter') {
    throw new Error(
      "dropout: masks 'counter' are drawn by the speed layer (src/accel/dropout-masks.ts), which is not loaded; import the library from src/index.ts, or use masks 'stream'",
    );
  }
  return dropoutWithStreamMask(x, p, rng, streamMaskLoop);
}

/** The arrays of a stream-mask loop (streamMaskLoop); mask and out start as zeros. */
export interface StreamMaskArgs {
  x: FloatArray;
  /** The starting state of the xoshiro128** stream (Rng.fastSeed()). */
  seed: readonly [number, number, number, number];
  /** p 2^32: a draw at or above it keeps its element. */
  threshold: number;
  /** 1 / (1 - p). */
  keepScale: number;
  mask: FloatArray;
  out: FloatArray;
}

/**
 * Stream dropout with `loop` drawing the mask (the reference passes streamMaskLoop; a backend may pass a
 * faster loop with the same contract): four words of `rng` seed the stream, and the backward multiplies
 * the gradient by the mask.
 */
export function dropoutWithStreamMask(x: Tensor, p: number, rng: Rng, loop: (args: StreamMaskArgs) => void): OpResult {
  const mask = allocate(x.dtype, x.size) as FloatArray;
  const out = allocate(x.dtype, x.size) as FloatArray;
  // A fast generator seeded by `rng`: one mask element costs a few ns instead of ARC4's ~30.
  loop({ x: x.data as FloatArray, seed: rng.fastSeed(), threshold: p * 4294967296, keepScale: 1 / (1 - p), mask, out });
  // dx = g * mask, written over the mask: the engine runs a backward once and then frees what it saved
  // (autograd/backward.ts), so the mask's array can become the gradient instead of a second one of x's size.
  const backward = (g: Tensor): Tensor[] => {
    const gd = g.data;
    for (let i = 0; i < mask.length; i++) mask[i] *= gd[i];
    return [new Tensor(mask, x.shape)];
  };
  return { output: new Tensor(out, x.shape), backward };
}

/** mask[i] = keepScale and out[i] = x[i] keepScale where the i-th word of the stream is >= threshold. */
export function streamMaskLoop({ x, seed, threshold, keepScale, mask, out }: StreamMaskArgs): void {
  const bits = new Xoshiro128(seed[0], seed[1], seed[2], seed[3]);
  for (let i = 0; i < x.length; i++) {
    if (bits.nextUint32() >= threshold) {
      mask[i] = keepScale;
      out[i] = x[i] * keepScale;
    }
  }
}
