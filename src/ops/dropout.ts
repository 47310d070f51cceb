/**
 * Inverted dropout: in training each element is zeroed with probability p and the survivors are scaled
 * by 1/(1-p), so the expected value is unchanged and evaluation needs no rescaling. The mask comes from
 * the seeded generator, so a run replays exactly.
 */
import { record } from '../autograd/record.ts';
import { deviceBinary, deviceOf, onDevice } from '../backend/device.ts';
import { allocate } from '../tensor/dtype.ts';
import type { Rng } from '../tensor/random.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertFloat } from './checks.ts';

/**
 * @param p probability of dropping an element, in [0, 1)
 * @param training when false (evaluation) dropout is the identity
 */
export function dropout(x: Tensor, p: number, rng: Rng, training = true): Tensor {
  assertFloat('dropout', x);
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: probability must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const keepScale = 1 / (1 - p);
  const mask = allocate(x.dtype, x.size);
  // Keep an element when a uniform 32-bit draw is at or above p * 2^32 (probability 1 - p). The draws come
  // from a fast generator seeded by `rng` (one mask element costs a few ns instead of ARC4's ~30).
  const threshold = p * 4294967296;
  const bits = rng.fastStream();
  const device = x.size > 0 ? deviceOf(x) : null;
  if (device) {
    // The mask is drawn here, from the same stream as on the host, so a run on a device drops the same
    // elements; it goes up once and the product is computed there.
    for (let i = 0; i < x.size; i++) if (bits.nextUint32() >= threshold) mask[i] = keepScale;
    const maskOnDevice = device.upload(mask);
    const y = Tensor.onDevice(deviceBinary(device, 'mul', 'same', onDevice(x, device), maskOnDevice, x.size, x.size), x.shape, x.dtype);
    return record(y, [x], 'dropout', (g) => [Tensor.onDevice(deviceBinary(device, 'mul', 'same', onDevice(g, device), maskOnDevice, x.size, x.size), x.shape, x.dtype)]);
  }
  const out = allocate(x.dtype, x.size);
  const xd = x.data; // read once: `data` is a getter (it may copy from a device)
  for (let i = 0; i < x.size; i++) {
    if (bits.nextUint32() >= threshold) {
      mask[i] = keepScale;
      out[i] = xd[i] * keepScale;
    }
  }
  return record(new Tensor(out, x.shape), [x], 'dropout', (g) => {
    const dx = allocate(x.dtype, x.size);
    const gd = g.data;
    for (let i = 0; i < dx.length; i++) dx[i] = gd[i] * mask[i];
    return [new Tensor(dx, x.shape)];
  });
}
