/**
 * The device worker's side of device-resident tensors: a table of buffers by number, and the jobs that
 * fill it (see DeviceBufferJob in device-protocol.ts). Jobs arrive in the order the main thread posted
 * them and run one after another. The main thread waits only for 'read'; a job that fails therefore
 * cannot report at once, so the first failure is kept (with the job that caused it) and the next read
 * reports it instead of returning values that depend on it.
 */
import type { DeviceBufferJob } from './device-protocol.ts';
import type { DeviceKernels, DeviceValue } from './device-kernels.ts';

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
      // A view's values are part of a larger buffer (device.ts TensorDevice.view).
      if (values.length < job.offset + job.size)
        throw new Error(`device buffer ${job.id} holds ${values.length} values, the read expected ${job.offset + job.size}`);
      new Float32Array(job.into, 0, job.size).set(job.offset === 0 && values.length === job.size ? values : values.subarray(job.offset, job.offset + job.size));
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
        this.set(job.out, await k.run('copy', [job.values], job.values.length, {}));
        return;
      case 'free': {
        const value = this.buffers.get(job.id);
        this.buffers.delete(job.id);
        if (value !== undefined && !(value instanceof Float32Array)) value.delete?.();
        return;
      }
      case 'run':
        this.set(
          job.out,
          await k.run(
            job.kernel,
            job.inputs.map((id) => this.get(id, job)),
            job.size,
            job.constants,
            job.scalars,
          ),
        );
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
      return `read of buffer ${job.id} (${job.size} values from ${job.offset})`;
    case 'run':
      return `${job.kernel} of ${job.size} values (buffers ${job.inputs.join(', ')} -> ${job.out}${Object.keys(job.constants).length ? `; ${JSON.stringify(job.constants)}` : ''})`;
  }
}
