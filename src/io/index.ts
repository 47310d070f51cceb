/**
 * File formats and safe file writing: safetensors (Hugging Face's weight format) and atomic writes.
 */
export {
  SAFETENSORS_DTYPES,
  SAFETENSORS_DTYPE_SIZE,
  SAFETENSORS_WRITABLE_DTYPES,
  type SafetensorsDtype,
  type SafetensorsWritableDtype,
  float16BitsToNumber,
  numberToFloat16Bits,
  bfloat16BitsToNumber,
  numberToBfloat16Bits,
} from './dtypes.ts';
export {
  readSafetensors,
  loadSafetensors,
  SafetensorsFile,
  SafetensorsError,
  MAX_HEADER_BYTES,
  type SafetensorsEntry,
} from './safetensors.ts';
export {
  writeSafetensors,
  saveSafetensors,
  saveSafetensorsSync,
  encodeSafetensors,
  planSafetensors,
  type TensorToWrite,
  type SafetensorsData,
  type SafetensorsLayout,
} from './safetensors-write.ts';
export { writeFileAtomic, writeFileAtomicSync, writeDirAtomic, type FileData, type FileDataSync } from './atomic.ts';
export { loadShardIndex, ShardIndexError, type ShardIndex } from './shard-index.ts';
