/**
 * `--dropout-masks auto|stream|counter`, shared by the training commands: how dropout masks are made
 * (src/ops/dropout.ts). 'auto' draws them on the host on a CPU and makes them on the device on a GPU;
 * 'stream' or 'counter' makes every backend drop the same elements for a seed.
 */
import { isDropoutMasks, type DropoutMasks } from '../ops/dropout.ts';
import { UsageError, type FlagSpec } from './args.ts';

export const dropoutMasksFlag: FlagSpec = {
  kind: 'string',
  help: 'how dropout masks are made: auto (a stream on the host; on a GPU, made on the device), stream, counter (both the same on every backend)',
  default: 'auto',
};

/** The flag's value, for the trainer's options; an unknown value is a usage error naming the choices. */
export function dropoutMasksFromFlag(value: unknown): DropoutMasks {
  if (!isDropoutMasks(value)) throw new UsageError(`--dropout-masks expects auto, stream or counter, got "${String(value)}"`);
  return value;
}
