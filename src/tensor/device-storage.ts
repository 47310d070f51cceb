/**
 * Where a tensor's values are when they are on a device (a GPU through WebGPU, or gpu.js's webasm/cpu
 * modes on the device worker, which is how it is tested without one). The tensor only needs to know how to
 * bring the values back; what a device can compute is the backend's business (src/accel/device.ts).
 */
import type { DType, TypedArray } from './dtype.ts';

export interface DeviceStorage {
  /** The device that holds the buffer (a src/accel/device.ts TensorDevice). */
  readonly device: { readonly name: string };
  /** The buffer's number on its device. */
  readonly id: number;
  /** Number of elements. */
  readonly size: number;
  readonly dtype: DType;
  /** Copy the values to the host; waits until the device has computed them. */
  download(): TypedArray;
}
