/**
 * The cpu backend's matrix product, float32 or float64:
 *
 *   float32, WebAssembly SIMD available   our wasm SIMD kernel (../wasm/matmul.ts, matmul.wat), threaded
 *   otherwise, or by choice               the TypeScript blocked kernel (matmul-blocked.ts), threaded
 *
 * Both compute every element of C with a fixed order of additions whatever the thread count, so each is
 * deterministic; they differ from each other by float32 rounding. The wasm kernel is about 3-4x faster here
 * (docs/performance.md), which is why a user who picks no backend gets it. The TypeScript kernel stays as the
 * readable, portable one: `setCpuMatmul('typescript')` or BERT_CPU_MATMUL=typescript selects it, and it is
 * what runs where WebAssembly (or its SIMD or shared memory) is missing, and for float64.
 */
import type { MatmulArgs } from '../kernels.ts';
import { matmulWasm, wasmMatmulBytes } from '../wasm/matmul.ts';
import { MAX_PAGES, wasmMatmulModule } from '../wasm/module.ts';
import { hostEnv } from '../host-node.ts';
import { matmulBlocked } from './matmul-blocked.ts';

export const CPU_MATMUL_CHOICES = ['wasm', 'typescript'] as const;
export type CpuMatmul = (typeof CPU_MATMUL_CHOICES)[number];

/** Parse BERT_CPU_MATMUL: unset or empty = 'wasm' (used when available). */
export function cpuMatmulFromEnv(value: string | undefined): CpuMatmul {
  const v = (value ?? '').trim() || 'wasm';
  if (!(CPU_MATMUL_CHOICES as readonly string[]).includes(v)) {
    throw new Error(`BERT_CPU_MATMUL: expected one of ${CPU_MATMUL_CHOICES.join(', ')}, found "${value}"`);
  }
  return v as CpuMatmul;
}

/** The choice made by setCpuMatmul, or null: then BERT_CPU_MATMUL decides, read on first use (never at load). */
let chosen: CpuMatmul | null = null;

function choice(): CpuMatmul {
  chosen ??= cpuMatmulFromEnv(hostEnv('BERT_CPU_MATMUL'));
  return chosen;
}

/**
 * Choose the cpu backend's float32 product: 'wasm' (when available; the default) or 'typescript'. The
 * float32 GELU follows the choice (WebAssembly SIMD with 'wasm'), so 'typescript' runs no WebAssembly.
 */
export function setCpuMatmul(which: CpuMatmul): void {
  chosen = cpuMatmulFromEnv(which);
}

/** The kernel the cpu backend's float32 products run on now: 'wasm' only if chosen and available. */
export function getCpuMatmul(): CpuMatmul {
  return choice() === 'wasm' && wasmAvailable() ? 'wasm' : 'typescript';
}

let available: boolean | null = null;

/**
 * Whether the wasm kernel can run here: compiling matmul.wat needs WebAssembly with SIMD, and its memory is
 * shared (threads). Probed once; a failure (no WebAssembly global, a CompileError) means no.
 */
export function wasmAvailable(): boolean {
  if (available === null) {
    try {
      wasmMatmulModule();
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/** out = op(A) @ op(B) (MatmulArgs): the wasm kernel for float32 when chosen, available and the operands fit its memory. */
export function matmulCpu(args: MatmulArgs): void {
  const f32 = args.a instanceof Float32Array && args.b instanceof Float32Array && args.out instanceof Float32Array;
  if (f32 && choice() === 'wasm' && wasmAvailable() && wasmMatmulBytes(args) <= MAX_PAGES * 65536) matmulWasm(args);
  else matmulBlocked(args);
}
