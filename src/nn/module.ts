/**
 * Module: the building block of a model, as in PyTorch's nn.Module.
 *
 * A module owns parameters (float32 tensors with requiresGrad) and child modules, each under a name. The
 * full name of a parameter is the path of names from the root, joined by dots - exactly Hugging Face's
 * naming, e.g. `bert.encoder.layer.0.attention.self.query.weight` - so a state dict moves between this
 * project and `transformers` unchanged.
 *
 * A tensor registered in two places (tied weights: BERT's MLM decoder reuses the word embeddings) is listed
 * once, under the name where it was first registered.
 */
// Models call tensor.backward(), which needs the autograd engine hooked up: load it here so that code
// importing src/nn or src/bert directly works without going through src/index.ts.
import '../autograd/backward.ts';
import { shapeToString, sameShape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';

/** Names that `loadStateDict` could not match. */
export interface LoadStateDictResult {
  /** Parameters of the module that the state dict did not provide (they keep their current values). */
  missing: string[];
  /** Names in the state dict that the module has no parameter for (ignored). */
  unexpected: string[];
}

export interface LoadStateDictOptions {
  /** Throw when anything is missing or unexpected (default true). */
  strict?: boolean;
}

/** A state dict: parameter name -> tensor (values are copied in; float64 is rounded to float32). */
export type StateDictInput = Map<string, Tensor> | Record<string, Tensor>;

export class Module {
  /** Training mode (dropout active) or evaluation mode. Set with train() / eval(), which reach every child. */
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly childModules = new Map<string, Module>();
  /**
   * Extra state-dict names (relative to this module) that loadStateDict accepts as copies of a parameter
   * tensor, e.g. the MLM head's `decoder.weight`, which is the word-embedding matrix. Tied weights are
   * stored once, so an alias is never written, and reading one is not an error.
   */
  protected readonly tiedAliases = new Map<string, Tensor>();

  /** Register `tensor` as a parameter called `name`; it becomes a float32 leaf that requires a gradient. */
  protected registerParameter(name: string, tensor: Tensor): Tensor {
    if (name.includes('.')) throw new Error(`registerParameter: name "${name}" must not contain "."`);
    if (this.ownParameters.has(name) || this.childModules.has(name)) throw new Error(`registerParameter: "${name}" is already registered`);
    if (tensor.dtype !== 'float32') throw new Error(`registerParameter: parameter "${name}" must be float32, got ${tensor.dtype}`);
    tensor.requiresGrad = true;
    tensor.name ??= name;
    this.ownParameters.set(name, tensor);
    return tensor;
  }

  /** Register a child module under `name`; its parameters are named `name.<their name>`. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    if (name.includes('.')) throw new Error(`registerModule: name "${name}" must not contain "."`);
    if (this.ownParameters.has(name) || this.childModules.has(name)) throw new Error(`registerModule: "${name}" is already registered`);
    this.childModules.set(name, module);
    module.training = this.training;
    return module;
  }

  /** The direct children, by name, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.childModules.entries()];
  }

  /** This module and every descendant with its dotted path ('' for this one), parents before children. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.childModules) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Parameters registered directly on this module (not on its children), by local name. */
  directParameters(): [string, Tensor][] {
    return [...this.ownParameters.entries()];
  }

  /**
   * Every distinct parameter with its full dotted name, in registration order (a tied tensor once, under
   * its first name).
   */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, t] of m.ownParameters) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([path ? `${path}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** The distinct parameters, in the order of namedParameters(). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Total number of parameter elements (tied tensors counted once). */
  numParameters(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }

  /** Set every parameter's `.name` to its full dotted name (the root model calls this once it is built). */
  protected assignParameterNames(): void {
    for (const [name, t] of this.namedParameters()) t.name = name;
  }

  /** Training mode (true) or evaluation mode (false) for this module and all descendants. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: dropout becomes the identity. Same as train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Drop every parameter's accumulated gradient (set it to null). */
  zeroGrad(): void {
    for (const t of this.parameters()) t.grad = null;
  }

  /** name -> parameter tensor (the live tensors, not copies), tied weights once. */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /**
   * Copy values from `state` into the parameters with the same names.
   * Shapes must match exactly (an error names the parameter and both shapes). Tied aliases are accepted:
   * an alias fills its canonical parameter when the canonical name is absent, and is ignored otherwise.
   * @returns the names that were missing from `state` and the names of `state` that matched nothing
   */
  loadStateDict(state: StateDictInput, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const entries = state instanceof Map ? [...state.entries()] : Object.entries(state);
    const given = new Map(entries);
    const params = new Map(this.namedParameters());
    const aliases = this.tiedAliasNames();
    const loaded = new Set<string>();
    const unexpected: string[] = [];
    const copyInto = (target: string, source: string, value: Tensor): void => {
      const p = params.get(target)!;
      if (!(value instanceof Tensor)) throw new Error(`loadStateDict: "${source}" is not a Tensor`);
      if (!sameShape(p.shape, value.shape)) {
        throw new Error(`loadStateDict: "${source}" has shape ${shapeToString(value.shape)}, the parameter "${target}" has ${shapeToString(p.shape)}`);
      }
      if (value.dtype === 'int32') throw new Error(`loadStateDict: "${source}" is int32, expected a float tensor`);
      p.data.set(value.data);
      p.markHostChanged(); // a copy of the old values held elsewhere (a GPU's) is given the loaded ones
      loaded.add(target);
    };
    for (const [name, value] of given) {
      if (params.has(name)) copyInto(name, name, value);
      else if (!aliases.has(name)) unexpected.push(name);
    }
    const nameOf = new Map([...params].map(([n, t]) => [t, n]));
    for (const [alias, tied] of aliases) {
      const value = given.get(alias);
      const canonical = nameOf.get(tied);
      if (value !== undefined && canonical !== undefined && !loaded.has(canonical)) copyInto(canonical, alias, value);
    }
    const missing = [...params.keys()].filter((n) => !loaded.has(n));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      throw new Error(`loadStateDict: ${describeMismatch({ missing, unexpected })}`);
    }
    return { missing, unexpected };
  }

  /** Tied aliases of this module and its descendants, by full name. */
  tiedAliasNames(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [path, m] of this.namedModules()) {
      for (const [alias, tied] of m.tiedAliases) out.set(path ? `${path}.${alias}` : alias, tied);
    }
    return out;
  }
}

/** "missing: a, b; unexpected: c" (each list shortened to 10 names). */
export function describeMismatch(r: LoadStateDictResult): string {
  const list = (names: string[]) => (names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`);
  const parts: string[] = [];
  if (r.missing.length) parts.push(`${r.missing.length} missing (${list(r.missing)})`);
  if (r.unexpected.length) parts.push(`${r.unexpected.length} unexpected (${list(r.unexpected)})`);
  return parts.join('; ') || 'all names matched';
}

/** An indexed list of modules, named "0", "1", ... (Hugging Face's `encoder.layer.0`). */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[] = [];

  constructor(modules: M[] = []) {
    super();
    for (const m of modules) this.push(m);
  }

  push(module: M): void {
    this.registerModule(String(this.items.length), module);
    this.items.push(module);
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    const m = this.items[i];
    if (m === undefined) throw new Error(`ModuleList: index ${i} is out of range [0, ${this.items.length})`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
