/**
 * The few WebAssembly JavaScript API types this backend uses. The project compiles with lib ES2022 and
 * @types/node, neither of which declares the WebAssembly global, so it is typed here and read from
 * globalThis (Node 20 has it, with SIMD and shared memory on by default).
 */

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/** An opaque compiled module (it can be posted to worker threads). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmModuleDescriptor {
  module: string;
  name: string;
  kind: string;
}

export interface WebAssemblyApi {
  Module: {
    new (bytes: Uint8Array): WasmModule;
    exports(module: WasmModule): WasmModuleDescriptor[];
    imports(module: WasmModule): WasmModuleDescriptor[];
  };
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** The WebAssembly global, typed. */
export const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
