/**
 * Inverted dropout: in training each element is zeroed with probability p and the survivors are scaled
 * by 1/(1-p), so the expected value is unchanged and evaluation needs no rescaling. The mask comes from
 * the seeded generator, so a run replays exactly.
 *
 * Two ways to make the mask from the generator (`setDropoutMasks`):
 *   stream   one sequential stream (xoshiro128**, seeded by four words of `rng`) drawn element by element:
 *            the fastest on a CPU, but on a device the whole mask is drawn on the host and uploaded (for
 *            BERT-Base at batch 32 x seq 128, about 150M values a step: most of a GPU step's time);
 *   counter  a counter-based generator (Speck32/64, tensor/speck.ts) keyed by two words of `rng`: each
 *            element's draw is computed from its index alone, so a device makes the mask itself and nothing
 *            is uploaded; on the host it costs about ten times the stream (22 rounds: about 45 ns a value
 *            against 5 on the development machine).
 * The default, 'auto', uses the stream on the host and the counter generator on a device. A device run then
 * drops other elements than a cpu run with the same seed; set 'counter' (both sides alike) or 'stream'
 * (uploads, as on the host) to make them drop the same ones. Either way the same four words of `rng` are
 * drawn per call, so everything else drawn from `rng` stays the same.
 */
import { record } from '../autograd/record.ts';
import { deviceBinary, deviceDropout, deviceOf, onDevice, type TensorDevice } from '../accel/device.ts';
import { allocate } from '../tensor/dtype.ts';
import type { Rng } from '../tensor/random.ts';
import { speckDropoutMask, speckKeyFromWords, speckRoundKeys } from '../tensor/speck.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertFloat } from './checks.ts';

/** The ways to make dropout masks (see the file's header). */
export const DROPOUT_MASK_KINDS = ['auto', 'stream', 'counter'] as const;
export type DropoutMasks = (typeof DROPOUT_MASK_KINDS)[number];
let dropoutMasks: DropoutMasks = 'auto';

/** Whether `kind` is one of DROPOUT_MASK_KINDS. */
export function isDropoutMasks(kind: unknown): kind is DropoutMasks {
  return (DROPOUT_MASK_KINDS as readonly unknown[]).includes(kind);
}

/** Choose how dropout masks are made (see the file's header); returns the previous choice. */
export function setDropoutMasks(kind: DropoutMasks): DropoutMasks {
  if (!isDropoutMasks(kind)) throw new Error(`setDropoutMasks: expected 'auto', 'stream' or 'counter', got ${String(kind)}`);
  const previous = dropoutMasks;
  dropoutMasks = kind;
  return previous;
}

/** How dropout masks are made now. */
export function getDropoutMasks(): DropoutMasks {
  return dropoutMasks;
}

/**
 * The kind a run's masks are actually made with: 'auto' resolved for whether its tensors are on a device.
 * Training records it with a checkpoint, so that a resume cannot change it silently.
 */
export function effectiveDropoutMasks(onDevice: boolean): 'stream' | 'counter' {
  return dropoutMasks === 'auto' ? (onDevice ? 'counter' : 'stream') : dropoutMasks;
}

/** What a checkpoint written before the masks were recorded used: the stream (the only kind then). */
export const LEGACY_DROPOUT_MASKS = 'stream';

/**
 * @param p probability of dropping an element, in [0, 1)
 * @param training when false (evaluation) dropout is the identity
 */
export function dropout(x: Tensor, p: number, rng: Rng, training = true): Tensor {
  assertFloat('dropout', x);
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: probability must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const keepScale = 1 / (1 - p);
  const device = x.size > 0 ? deviceOf(x) : null;
  if (dropoutMasks === 'counter' || (dropoutMasks === 'auto' && device)) return counterDropout(x, p, rng, device);
  const mask = allocate(x.dtype, x.size);
  // Keep an element when a uniform 32-bit draw is at or above p * 2^32 (probability 1 - p). The draws come
  // from a fast generator seeded by `rng` (one mask element costs a few ns instead of ARC4's ~30).
  const threshold = p * 4294967296;
  const bits = rng.fastStream();
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

/**
 * Dropout with the counter-based mask: the key takes two of four words drawn from `rng` (four, as
 * fastStream draws, so that `rng` advances alike either way). On a device the kernel makes the mask; on
 * the host speckDropoutMask does, and forward and backward scale the kept elements by 1/(1-p) as the
 * kernel does (x / (1 - p)).
 */
function counterDropout(x: Tensor, p: number, rng: Rng, device: TensorDevice | null): Tensor {
  const words = [rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()];
  const roundKeys = speckRoundKeys(speckKeyFromWords(words[0], words[1]));
  if (device && x.size <= device.maxElements) {
    const keysOnDevice = device.upload(Float32Array.from(roundKeys));
    const y = Tensor.onDevice(deviceDropout(device, onDevice(x, device), keysOnDevice, p), x.shape, x.dtype);
    return record(y, [x], 'dropout', (g) => [Tensor.onDevice(deviceDropout(device, onDevice(g, device), keysOnDevice, p), x.shape, x.dtype)]);
  }
  const kept = speckDropoutMask(roundKeys, x.size, p, 1); // 1 where kept, 0 where dropped
  const xd = x.data;
  const out = allocate(x.dtype, x.size);
  for (let i = 0; i < x.size; i++) if (kept[i]) out[i] = xd[i] / (1 - p);
  return record(new Tensor(out, x.shape), [x], 'dropout', (g) => {
    const dx = allocate(x.dtype, x.size);
    const gd = g.data;
    for (let i = 0; i < dx.length; i++) if (kept[i]) dx[i] = gd[i] / (1 - p);
    return [new Tensor(dx, x.shape)];
  });
}
