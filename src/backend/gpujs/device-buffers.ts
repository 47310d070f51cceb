/**
 * The device worker's side of device-resident tensors: a table of buffers by number, and the jobs that
 * fill it (see DeviceBufferJob in device-protocol.ts). Jobs arrive in the order the main thread posted
 * them and run one after another. The main thread waits only for 'read'; a job that fails therefore
 * cannot report at once, so the first failure is kept (with the job that caused it) and the next read
 * reports it instead of returning values that depend on it.
 */
import type { DeviceBufferJob } from './device-protocol.ts';
import { DeviceKernels, type DeviceValue } from './device-kernels.ts';

export class DeviceBuffers {
  private readonly buffers = new Map<number, DeviceValue>();
  /** The first failure since the last read, with what failed. */
  private failure: string | null = null;

  constructor(private readonly kernels: DeviceKernels) {}

  /** Number of live buffers (for tests and leak checks). */
  get count(): number {
    return this.buffers.size;
  }

  private get(id: number, job: DeviceBufferJob): DeviceValue {
    const value = this.buffers.get(id);
    if (value === undefined) throw new Error(`device buffer ${id} does not exist (freed, or its op failed) in ${describe(job)}`);
    return value;
  }

  private set(id: number, value: DeviceValue): void {
    this.buffers.set(id, value);
  }

  /**
   * Run one job. For 'read' the values are written into `job.into`; a failure (this job's, or an earlier
   * job's) is thrown from the read. Other jobs never throw: a failure is kept for the next read.
   */
  async run(job: DeviceBufferJob): Promise<void> {
    if (job.type === 'read') {
      const earlier = this.failure;
      this.failure = null;
      if (earlier !== null) throw new Error(earlier);
      const value = this.get(job.id, job);
      const values = value instanceof Float32Array ? value : await value.toArray!();
      if (values.length !== job.size) throw new Error(`device buffer ${job.id} holds ${values.length} values, the read expected ${job.size}`);
      new Float32Array(job.into, 0, job.size).set(values);
      return;
    }
    try {
      await this.compute(job);
    } catch (e) {
      this.failure ??= `${describe(job)} failed: ${(e as Error).message ?? String(e)}`;
    }
  }

  private async compute(job: Exclude<DeviceBufferJob, { type: 'read' }>): Promise<void> {
    const k = this.kernels;
    switch (job.type) {
      case 'upload':
        this.set(job.out, await k.upload(job.values));
        return;
      case 'free': {
        const value = this.buffers.get(job.id);
        this.buffers.delete(job.id);
        if (value !== undefined && !(value instanceof Float32Array)) value.delete?.();
        return;
      }
      case 'matmulBuffers':
        this.set(job.out, await k.matmul(this.get(job.a, job), this.get(job.b, job), job.shape));
        return;
      case 'binary':
        this.set(job.out, await k.binary(job.op, job.layout, this.get(job.a, job), this.get(job.b, job), job.size, job.n));
        return;
      case 'sumRows':
        this.set(job.out, await k.sumRows(this.get(job.g, job), job.rows, job.n));
        return;
      case 'gelu':
        this.set(job.out, await k.gelu(this.get(job.x, job), job.size));
        return;
      case 'geluBackward':
        this.set(job.out, await k.geluBackward(this.get(job.x, job), this.get(job.g, job), job.size));
        return;
    }
  }

  /** Drop every buffer (shutdown). */
  clear(): void {
    for (const value of this.buffers.values()) if (!(value instanceof Float32Array)) value.delete?.();
    this.buffers.clear();
  }
}

/** A job in words, for error messages. */
function describe(job: DeviceBufferJob): string {
  switch (job.type) {
    case 'upload':
      return `upload of ${job.values.length} values to buffer ${job.out}`;
    case 'free':
      return `free of buffer ${job.id}`;
    case 'read':
      return `read of buffer ${job.id} (${job.size} values)`;
    case 'matmulBuffers': {
      const s = job.shape;
      return `matmul [${s.batch} x ${s.m} x ${s.k}] @ [${s.k} x ${s.n}] (buffers ${job.a}, ${job.b} -> ${job.out})`;
    }
    case 'binary':
      return `${job.op} (${job.layout}, ${job.size} values; buffers ${job.a}, ${job.b} -> ${job.out})`;
    case 'sumRows':
      return `sumRows [${job.rows}, ${job.n}] (buffer ${job.g} -> ${job.out})`;
    case 'gelu':
      return `gelu of ${job.size} values (buffer ${job.x} -> ${job.out})`;
    case 'geluBackward':
      return `geluBackward of ${job.size} values (buffers ${job.x}, ${job.g} -> ${job.out})`;
  }
}
