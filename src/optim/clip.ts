/**
 * Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_):
 *   norm = sqrt(sum over all parameters and elements of g^2)
 *   if norm > maxNorm: every g *= maxNorm / (norm + 1e-6)
 * Clipping the whole gradient vector keeps its direction, only shortening a step that would be too long.
 */
import { deviceBinary, deviceOf, deviceSumOfSquares, onDevice, type TensorDevice } from '../accel/device.ts';
import type { DeviceStorage } from '../tensor/device-storage.ts';
import { Tensor } from '../tensor/tensor.ts';

/**
 * The global L2 norm of the gradients (parameters without a gradient count as zero). Gradients on a device
 * are squared and summed there, each device's total read back once.
 */
export function gradNorm(params: Iterable<Tensor>): number {
  let sumSq = 0;
  const onDevices = new Map<TensorDevice, DeviceStorage>();
  for (const p of params) {
    if (!p.grad) continue;
    const device = p.grad.deviceStorage ? deviceOf(p.grad) : null;
    if (device) {
      const s = deviceSumOfSquares(device, onDevice(p.grad, device));
      const total = onDevices.get(device);
      onDevices.set(device, total ? deviceBinary(device, 'add', 'same', total, s, 1, 1) : s);
      continue;
    }
    const g = p.grad.data;
    for (let i = 0; i < g.length; i++) sumSq += g[i] * g[i];
  }
  for (const total of onDevices.values()) sumSq += total.download()[0];
  return Math.sqrt(sumSq);
}

/**
 * Scale all gradients so that their global norm is at most `maxNorm`.
 * @returns the norm before clipping (what training logs report). A non-finite norm is returned as is and
 *   the gradients are left untouched, so the caller can stop with a clear message.
 */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  const norm = gradNorm(params);
  if (!Number.isFinite(norm)) return norm;
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    const coefOn = new Map<TensorDevice, DeviceStorage>(); // the factor, uploaded once per device
    for (const p of params) {
      if (!p.grad) continue;
      const device = p.grad.deviceStorage ? deviceOf(p.grad) : null;
      if (device) {
        let c = coefOn.get(device);
        if (!c) coefOn.set(device, (c = device.upload(new Float32Array([coef]))));
        p.grad = Tensor.onDevice(deviceBinary(device, 'mul', 'scalarB', onDevice(p.grad, device), c, p.grad.size, 1), p.grad.shape, p.grad.dtype);
        continue;
      }
      const scaled = p.grad.data.slice();
      for (let i = 0; i < scaled.length; i++) scaled[i] *= coef;
      p.grad = new Tensor(scaled, p.grad.shape);
    }
  }
  return norm;
}
