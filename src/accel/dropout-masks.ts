/**
 * Dropout with masks 'counter' (ops/dropout.ts explains the kinds): the mask comes from a counter-based
 * generator, Speck32/64 (speck.ts), keyed by two of four words drawn from the op's generator (four, as the
 * stream mask draws, so that the generator advances alike either way). Element i's draw is computed from i
 * alone, so a device makes the mask itself (deviceDropout in device.ts) and nothing crosses from the host;
 * on the host speckDropoutMask makes it, about ten times slower than the stream. Forward and backward scale
 * the kept elements by 1/(1-p) as the device kernel does (x / (1 - p)).
 */
import type { OpResult } from '../autograd/record.ts';
import type { Rng } from '../tensor/random.ts';
import { allocate } from '../tensor/dtype.ts';
import { Tensor } from '../tensor/tensor.ts';
import { speckDropoutMask, speckKeyFromWords, speckRoundKeys } from './speck.ts';

/** The Speck round keys of one dropout call: four words drawn from rng, two of them the key. */
export function counterDropoutRoundKeys(rng: Rng): Uint16Array {
  const words = [rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()];
  return speckRoundKeys(speckKeyFromWords(words[0], words[1]));
}

/** Dropout of a host tensor with the counter mask. */
export function counterDropoutOnHost(x: Tensor, p: number, rng: Rng): OpResult {
  const kept = speckDropoutMask(counterDropoutRoundKeys(rng), x.size, p, 1); // 1 where kept, 0 where dropped
  const xd = x.data;
  const out = allocate(x.dtype, x.size);
  for (let i = 0; i < x.size; i++) if (kept[i]) out[i] = xd[i] / (1 - p);
  const backward = (g: Tensor): Tensor[] => {
    const dx = allocate(x.dtype, x.size);
    const gd = g.data;
    for (let i = 0; i < dx.length; i++) if (kept[i]) dx[i] = gd[i] / (1 - p);
    return [new Tensor(dx, x.shape)];
  };
  return { output: new Tensor(out, x.shape), backward };
}
