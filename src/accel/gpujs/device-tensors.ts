/**
 * The main thread's side of device-resident tensors on a gpu.js device worker (a TensorDevice, see
 * ../device.ts). Each call numbers a new buffer and posts the job that fills it; nothing waits, so the
 * main thread runs ahead while the worker submits kernels in order. Only `download` waits: it posts a read
 * and sleeps on the status slot until the worker has copied the values into shared memory.
 *
 * Buffers are freed when the JavaScript object standing for them is garbage-collected (a
 * FinalizationRegistry posts 'free'), so device memory follows the tensors' lifetimes without explicit
 * dispose calls. Those objects are small, so the host heap alone would rarely ask for a collection:
 * `releaseUnused` (called by the training loops once per step) forces one when 1 GB of device values were
 * allocated since the last.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { DeviceKernelName, DeviceStorage, TensorDevice } from '../device.ts';
import type { TypedArray } from '../../tensor/dtype.ts';
import type { DeviceBufferJob } from './device-protocol.ts';
import { checkQuotients, INPUT_OFFSET, INPUT_SUM, TILED_CONSTANT, TILED_PRODUCT_KERNELS } from './device-kernels.ts';

/** How the device client talks to its worker (webgpu-backend.ts provides it). */
export interface DeviceChannel {
  /** Post a job without waiting; `transfer` lists buffers handed over instead of copied. */
  post(job: DeviceBufferJob, transfer?: ArrayBuffer[]): void;
  /** Post a job and wait until the worker reports it done (throws the worker's error). */
  call(job: DeviceBufferJob, what: string): void;
  /** Shared memory of at least `floats` float32 values for the worker to write into. */
  scratch(floats: number): SharedArrayBuffer;
  /** Whether the worker is still there. */
  readonly alive: boolean;
}

let gc: (() => void) | null = null;

/** A full garbage collection of this thread's heap (V8's gc(), enabled at run time). */
function fullGc(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

class GpujsDeviceStorage implements DeviceStorage {
  readonly dtype = 'float32' as const;
  /**
   * @param viewOf for a view, the storage whose buffer it reads (held here, so the buffer lives as long
   *   as its views) and where its values start; a view has that storage's id and is never freed itself
   */
  constructor(
    readonly device: GpujsTensorDevice,
    readonly id: number,
    readonly size: number,
    readonly viewOf: { readonly storage: GpujsDeviceStorage; readonly offset: number } | null = null,
  ) {}

  /** The device backend's name: ops on these values go to its kernels. */
  get backend(): string {
    return this.device.name;
  }

  readonly scaledFrom = null;

  download(): Float32Array {
    return this.device.read(this.id, this.size, this.viewOf?.offset ?? 0);
  }

  read(): Float32Array {
    return this.download();
  }

  rewrite(values: TypedArray): DeviceStorage {
    return this.device.upload(values);
  }
}

/**
 * Values that exist on the device only once something needs them: `values()` computes them (once) and the
 * storage they end up in serves every use. The three kinds below differ in what they compute.
 */
abstract class ComputedOnUse implements DeviceStorage {
  readonly dtype = 'float32' as const;
  abstract readonly size: number;
  abstract readonly viewOf: DeviceStorage['viewOf'];
  abstract readonly scaledFrom: DeviceStorage['scaledFrom'];
  constructor(readonly device: GpujsTensorDevice) {}

  /** The storage holding the values, computed on the first call. */
  abstract values(): DeviceStorage;

  get id(): number {
    return this.values().id;
  }

  get backend(): string {
    return this.device.name;
  }

  download(): Float32Array {
    return this.values().download();
  }

  read(): Float32Array {
    return this.download();
  }

  rewrite(values: TypedArray): DeviceStorage {
    return this.device.upload(values);
  }
}

/**
 * A buffer's values times a factor, computed (one kernel, into a buffer of its own) only when something
 * needs them: a kernel input (its `id`) or a read. AdamW reads `scaledFrom` instead and takes the factor.
 */
class ScaledDeviceStorage extends ComputedOnUse {
  readonly viewOf = null;
  private computed: DeviceStorage | null = null;
  constructor(
    device: GpujsTensorDevice,
    readonly scaledFrom: { readonly storage: DeviceStorage; readonly factor: number },
  ) {
    super(device);
  }

  get size(): number {
    return this.scaledFrom.storage.size;
  }

  /** The product's buffer: computed on first use. */
  values(): DeviceStorage {
    if (this.computed === null) {
      const { storage, factor } = this.scaledFrom;
      this.computed = this.device.run('mul-scalarB', [storage, this.device.upload(new Float32Array([factor]))], storage.size);
    }
    return this.computed;
  }
}

/**
 * Values computed only when something needs them (a kernel input, a view, a read): `compute` posts the
 * kernels and gives the storage that holds them. How several updates become one launch: the optimizer's
 * parameters of one launch are deferred views of its output, which is launched when the group is full or
 * when one of them is first used (device.ts deviceAdamwGroups).
 */
class DeferredDeviceStorage extends ComputedOnUse {
  readonly scaledFrom = null;
  private value: DeviceStorage | null = null;
  constructor(
    device: GpujsTensorDevice,
    readonly size: number,
    private compute: (() => DeviceStorage) | null,
  ) {
    super(device);
  }

  values(): DeviceStorage {
    if (this.value === null) {
      const value = this.compute!();
      if (value.size !== this.size) throw new Error(`${this.device.name}: a deferred buffer of ${this.size} values was computed with ${value.size}`);
      this.value = value;
      this.compute = null;
    }
    return this.value;
  }

  get viewOf(): DeviceStorage['viewOf'] {
    return this.values().viewOf;
  }
}

/**
 * a + b (same shape), computed only when something needs the values: a kernel that reads its inputs
 * element by element (READS_SUMS) reads both parts instead, so that a residual connection's sum is read by
 * the LayerNorm after it (forward and backward) and a gradient's last accumulation by the kernel that
 * takes it, without a launch of its own. Any other use computes it once (add-same).
 */
class SumDeviceStorage extends ComputedOnUse {
  readonly viewOf = null;
  readonly scaledFrom = null;
  private computed: DeviceStorage | null = null;
  constructor(
    device: GpujsTensorDevice,
    readonly parts: readonly [DeviceStorage, DeviceStorage],
  ) {
    super(device);
  }

  get size(): number {
    return this.parts[0].size;
  }

  /** Whether the sum is still only its parts. */
  get pending(): boolean {
    return this.computed === null;
  }

  values(): DeviceStorage {
    this.computed ??= this.device.run('add-same', [...this.parts], this.size);
    return this.computed;
  }
}

/** The kernels that read every input element by element: they take a pending sum as its two parts. */
const READS_SUMS = new Set<DeviceKernelName>([
  'layerNormStats',
  'layerNormApply',
  'layerNormRows',
  'layerNormRowSums',
  'layerNormBackward',
  'layerNormParamGrads',
  ...(['add', 'sub', 'mul', 'div'] as const).flatMap((op) => (['same', 'row', 'scalarA', 'scalarB'] as const).map((l) => `${op}-${l}` as const)),
  'dropout',
  'gelu',
  'geluBackward',
  'biasGelu',
  'biasGeluBackward',
  'tanh',
  'tanhBackward',
  'softmaxRowStats',
  'softmaxNormalize',
  'softmaxRows',
  'rowDot',
  'softmaxBackward',
  'sumRows',
]);

/** The most buffers a kernel reads: WebGPU grants 8 storage buffers a kernel by default, its output one of them. */
const MAX_KERNEL_INPUTS = 7;

/**
 * The TensorDevice.rowKernelWork that bench/gpu-check.ts tries against 0 (the default) on a GPU: with it,
 * BERT-Base's LayerNorms (128 x 768 x 768) and attention softmax (1,536 x 128 x 128) at batch 1 take one
 * launch each, while a training batch of 32 x 128 still takes two. It stays off until a GPU run shows the
 * launch saved is worth the extra reads (on lavapipe, which runs the kernels on the CPU, it is not).
 */
export const ROW_KERNEL_WORK_TRIED = 2 ** 27;

export class GpujsTensorDevice implements TensorDevice {
  /** What crossed between host and device, and how many kernels ran, since the device was made. */
  readonly traffic = { uploads: 0, uploadedValues: 0, reads: 0, readValues: 0, kernels: 0 };
  /** How many times each device kernel ran since the device was made (what a fusion saves shows up here). */
  readonly kernelCounts = new Map<DeviceKernelName, number>();
  /** Values in buffers not yet freed, and at the last collection. */
  readonly memory = { liveValues: 0, liveBuffers: 0, valuesAtLastCollect: 0 };
  /** Collect when this many values were allocated since the last collection (1 GB of float32). */
  collectEvery = 2 ** 28;
  /** See TensorDevice; 0, off (ROW_KERNEL_WORK_TRIED). Writable (tests, gpu-check). */
  rowKernelWork = 0;
  /**
   * Whether products run as the tiled WGSL kernels (tiled-products.ts) where the worker has them (WebGPU):
   * product jobs then carry the constant `tiled` = 1, and gpu.js's kernels run only where a tiled one does
   * not apply. Writable (tests, gpu-check).
   */
  tiledProducts: boolean;
  private nextId = 1;
  private readonly registry: FinalizationRegistry<{ id: number; size: number }>;

  /**
   * @param maxElements the most values one buffer may hold (the worker reports its device's limit); an op
   *   with a bigger input or output runs on the host. Writable, so tests can try that path with small arrays.
   * @param transposeBFirst see TensorDevice: true for gpu.js's products on a GPU, false in gpu.js's CPU
   *   modes and with the tiled products (which read B^T in place as well as B). Writable, so tests can
   *   check both ways in every mode.
   * @param tiledProducts see the property
   */
  constructor(
    readonly name: string,
    private readonly channel: DeviceChannel,
    public maxElements: number,
    public transposeBFirst: boolean,
    tiledProducts = false,
  ) {
    this.tiledProducts = tiledProducts;
    this.registry = new FinalizationRegistry(({ id, size }) => {
      this.memory.liveValues -= size;
      this.memory.liveBuffers--;
      if (this.channel.alive) this.channel.post({ type: 'free', id });
    });
  }

  /** A new buffer number and the storage object whose collection frees it. */
  private storage(size: number, what: string): GpujsDeviceStorage {
    if (size > this.maxElements) {
      throw new Error(`${this.name}: ${what} needs ${size} values; a buffer of this device holds at most ${this.maxElements}`);
    }
    const s = new GpujsDeviceStorage(this, this.nextId++, size);
    this.registry.register(s, { id: s.id, size });
    this.memory.liveValues += size;
    this.memory.liveBuffers++;
    return s;
  }

  /** The storage whose buffer holds s's values now: a deferred or scaled storage computes them first. */
  private resolved(s: DeviceStorage): DeviceStorage {
    if (s.device !== this) throw new Error(`${this.name}: buffer ${s.id} belongs to device "${s.device.name}"`);
    if (s instanceof DeferredDeviceStorage) return this.resolved(s.values());
    if (s instanceof ScaledDeviceStorage || s instanceof SumDeviceStorage) return this.resolved(s.values());
    return s;
  }

  deferredSum(a: DeviceStorage, b: DeviceStorage): DeviceStorage {
    if (a.size !== b.size) throw new Error(`${this.name}: a sum of ${a.size} and ${b.size} values`);
    return new SumDeviceStorage(this, [a, b]);
  }

  deferred(size: number, compute: () => DeviceStorage): DeviceStorage {
    return new DeferredDeviceStorage(this, size, compute);
  }

  scaled(s: DeviceStorage, c: number): DeviceStorage {
    if (s.device !== this) throw new Error(`${this.name}: buffer ${s.id} belongs to device "${s.device.name}"`);
    return new ScaledDeviceStorage(this, { storage: s, factor: c });
  }

  view(s: DeviceStorage, offset: number, size: number): DeviceStorage {
    if (s instanceof ScaledDeviceStorage) return this.view(s.values(), offset, size);
    if (s instanceof DeferredDeviceStorage) return this.view(s.values(), offset, size);
    if (s.device !== this || !(s instanceof GpujsDeviceStorage)) throw new Error(`${this.name}: buffer ${s.id} belongs to device "${s.device.name}"`);
    const base = s.viewOf ? s.viewOf.storage : s;
    const start = (s.viewOf?.offset ?? 0) + offset;
    if (!(offset >= 0 && size >= 0 && offset + size <= s.size))
      throw new Error(`${this.name}: a view of ${size} values from ${offset} does not fit in buffer ${s.id} of ${s.size}`);
    return new GpujsDeviceStorage(this, base.id, size, { storage: base, offset: start });
  }

  upload(values: TypedArray): DeviceStorage {
    if (!(values instanceof Float32Array)) throw new Error(`${this.name}: devices hold float32 values, got ${values.constructor.name}`);
    const out = this.storage(values.length, 'an upload');
    this.traffic.uploads++;
    this.traffic.uploadedValues += values.length;
    // A copy (the caller keeps its array), handed to the worker rather than copied again by postMessage.
    const copy = values.slice();
    this.channel.post({ type: 'upload', out: out.id, values: copy }, [copy.buffer]);
    return out;
  }

  run(kernel: DeviceKernelName, inputs: DeviceStorage[], size: number, constants: Record<string, number> = {}, scalars: number[] = []): DeviceStorage {
    checkQuotients(kernel, size, constants);
    // A pending sum is read as its two parts where the kernel allows it: the second part is another input.
    const withOffsets = { ...constants };
    const all = [...inputs];
    inputs.forEach((s, k) => {
      if (s instanceof SumDeviceStorage && s.pending && READS_SUMS.has(kernel) && all.length < MAX_KERNEL_INPUTS) {
        withOffsets[`${INPUT_SUM}${k}`] = all.length;
        all[k] = s.parts[0];
        all.push(s.parts[1]);
      }
    });
    // Inputs first: a deferred input posts the kernels that compute it before this one.
    const ids: number[] = [];
    all.forEach((s, k) => {
      const r = this.resolved(s);
      // A view that does not start its buffer is read in place: the kernel adds the offset to its subscripts.
      if (r.viewOf && r.viewOf.offset !== 0) withOffsets[`${INPUT_OFFSET}${k}`] = r.viewOf.offset;
      ids.push(r.id);
    });
    if (this.tiledProducts && TILED_PRODUCT_KERNELS.has(kernel)) withOffsets[TILED_CONSTANT] = 1;
    const out = this.storage(size, `the result of ${kernel}`);
    this.traffic.kernels++;
    this.kernelCounts.set(kernel, (this.kernelCounts.get(kernel) ?? 0) + 1);
    this.channel.post({ type: 'run', out: out.id, kernel, inputs: ids, size, constants: withOffsets, scalars });
    return out;
  }

  async releaseUnused(): Promise<void> {
    if (this.memory.liveValues - this.memory.valuesAtLastCollect < this.collectEvery) return;
    fullGc();
    // FinalizationRegistry callbacks run as tasks of their own: let them run (they post the frees).
    await new Promise((resolve) => setImmediate(resolve));
    this.memory.valuesAtLastCollect = this.memory.liveValues;
  }

  /** Copy `size` values of buffer `id` from `offset` on to a new host array; waits for every job posted before. */
  read(id: number, size: number, offset = 0): Float32Array {
    if (!this.channel.alive) throw new Error(`${this.name}: the device was released; its tensors' values are gone`);
    const into = this.channel.scratch(size);
    this.traffic.reads++;
    this.traffic.readValues += size;
    this.channel.call({ type: 'read', id, size, offset, into }, `read of buffer ${id} (${size} values from ${offset})`);
    return new Float32Array(into, 0, size).slice();
  }
}
