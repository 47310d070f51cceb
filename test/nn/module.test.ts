import { describe, expect, it } from 'vitest';
import { Dropout, Embedding, LayerNorm, Linear, Module, ModuleList, Rng, tensor, zeros, type RngSource } from '../../src/index.ts';

/** A small tree: a.l1, a.l2 (sharing l1's weight through a tie), list.0, list.1. */
class Tied extends Module {
  readonly l1 = this.registerModule('l1', new Linear(3, 2));
  readonly list = this.registerModule('list', new ModuleList([new LayerNorm(2), new LayerNorm(2)]));
  readonly drop: Dropout;
  constructor(source: RngSource) {
    super();
    this.drop = this.registerModule('drop', new Dropout(0.5, source));
    // Reuse l1's weight as a parameter of a child: it must be listed once, under its first name.
    const child = this.registerModule(
      'again',
      new (class extends Module {
        constructor(w: Linear['weight']) {
          super();
          this.registerParameter('shared', w);
          this.tiedAliases.set('alias', w);
        }
      })(this.l1.weight),
    );
    void child;
    this.assignNames();
  }
  assignNames() {
    this.assignParameterNames();
  }
}

describe('Module', () => {
  const make = () => new Tied({ rng: new Rng(1) });

  it('names parameters by their dotted path, tied tensors once', () => {
    const m = make();
    const names = m.namedParameters().map(([n]) => n);
    expect(names).toEqual(['l1.weight', 'l1.bias', 'list.0.weight', 'list.0.bias', 'list.1.weight', 'list.1.bias']);
    expect(m.parameters().every((t) => t.requiresGrad && t.dtype === 'float32')).toBe(true);
    expect(m.l1.weight.name).toBe('l1.weight');
    expect(m.numParameters()).toBe(6 + 2 + 2 + 2 + 2 + 2);
    expect(m.namedModules().map(([p]) => p)).toEqual(['', 'l1', 'list', 'list.0', 'list.1', 'drop', 'again']);
  });

  it('propagates train/eval to every descendant', () => {
    const m = make();
    expect(m.drop.training).toBe(true);
    m.eval();
    expect(m.namedModules().every(([, x]) => !x.training)).toBe(true);
    m.train();
    expect(m.list.at(1).training).toBe(true);
  });

  it('loads a state dict and reports missing and unexpected names', () => {
    const m = make();
    const w = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const r = m.loadStateDict({ 'l1.weight': w, 'extra.thing': zeros([1]) }, { strict: false });
    expect(r.missing).toEqual(['l1.bias', 'list.0.weight', 'list.0.bias', 'list.1.weight', 'list.1.bias']);
    expect(r.unexpected).toEqual(['extra.thing']);
    expect(Array.from(m.l1.weight.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => m.loadStateDict({ 'l1.weight': w })).toThrow(/5 missing \(l1\.bias, list\.0\.weight/);
    expect(() => m.loadStateDict({ 'l1.weight': zeros([3, 2]) }, { strict: false })).toThrow(
      /"l1.weight" has shape \[3,2\], the parameter "l1.weight" has \[2,3\]/,
    );
  });

  it('accepts a tied alias without calling it unexpected, and stateDict round-trips', () => {
    const m = make();
    const r = m.loadStateDict(
      {
        'again.alias': tensor([
          [9, 9, 9],
          [9, 9, 9],
        ]),
      },
      { strict: false },
    );
    expect(r.unexpected).toEqual([]);
    expect(r.missing).not.toContain('l1.weight');
    expect(m.l1.weight.data[4]).toBe(9);
    const copy = make();
    const sd = new Map([...m.stateDict()].map(([k, v]) => [k, v.clone()]));
    expect(copy.loadStateDict(sd)).toEqual({ missing: [], unexpected: [] });
    expect(Array.from(copy.l1.weight.data)).toEqual(Array.from(m.l1.weight.data));
  });

  it('zeroGrad clears gradients', () => {
    const m = make();
    m.eval();
    const y = m.l1.forward(tensor([[1, 2, 3]]));
    y.backward(tensor([[1, 1]]));
    expect(m.l1.weight.grad).not.toBeNull();
    m.zeroGrad();
    expect(m.parameters().every((t) => t.grad === null)).toBe(true);
  });

  it('rejects duplicate and dotted names', () => {
    class Bad extends Module {
      constructor(kind: number) {
        super();
        if (kind === 0) this.registerParameter('a.b', zeros([1]));
        else {
          this.registerParameter('a', zeros([1]));
          this.registerModule('a', new Linear(1, 1));
        }
      }
    }
    expect(() => new Bad(0)).toThrow(/must not contain "\."/);
    expect(() => new Bad(1)).toThrow(/"a" is already registered/);
  });
});

describe('layers', () => {
  it('Linear computes x W^T + b with W [out, in]', () => {
    const l = new Linear(3, 2);
    l.weight.data.set([1, 0, -1, 2, 1, 0]);
    l.bias!.data.set([0.5, -0.5]);
    const y = l.forward(tensor([[[1, 2, 3]], [[0, 0, 1]]]));
    expect(y.shape).toEqual([2, 1, 2]);
    expect(Array.from(y.data)).toEqual([1 - 3 + 0.5, 2 + 2 - 0.5, -1 + 0.5, -0.5]);
    expect(() => l.forward(tensor([[1, 2]]))).toThrow(/expected input \[\.\.\., 3\], got \[1,2\]/);
    expect(new Linear(3, 2, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
  });

  it('Embedding gives no gradient to the padding row', () => {
    const e = new Embedding(4, 2, 0);
    e.weight.data.set([1, 1, 2, 2, 3, 3, 4, 4]);
    const ids = new (tensor([0]).constructor as typeof import('../../src/index.ts').Tensor)(Int32Array.from([0, 2, 0, 3]), [2, 2]);
    const out = e.forward(ids);
    expect(Array.from(out.data)).toEqual([1, 1, 3, 3, 1, 1, 4, 4]);
    out.backward(
      tensor([
        [
          [1, 1],
          [1, 1],
        ],
        [
          [1, 1],
          [1, 1],
        ],
      ]),
    );
    expect(Array.from(e.weight.grad!.data)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(() => new Embedding(4, 2, 4)).toThrow(/padding index 4 is outside the table \[0, 4\)/);
  });

  it('LayerNorm uses its eps', () => {
    const x = tensor([[1, 3]]);
    const big = new LayerNorm(2, 1).forward(x);
    // mean 2, var 1, eps 1 -> (x - 2) / sqrt(2)
    expect(big.data[0]).toBeCloseTo(-1 / Math.SQRT2, 6);
    expect(new LayerNorm(2).forward(x).data[1]).toBeCloseTo(1, 6);
  });

  it('Dropout draws from the shared source and is the identity in eval mode', () => {
    const source = { rng: new Rng(3) };
    const d = new Dropout(0.5, source);
    const x = tensor(new Float32Array(1000).fill(1));
    const a = d.forward(x);
    const zeros = a.data.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(400);
    expect(zeros).toBeLessThan(600);
    expect(a.data.every((v) => v === 0 || v === 2)).toBe(true);
    source.rng = new Rng(3); // replacing the source's generator replays the same mask
    expect(Array.from(d.forward(x).data)).toEqual(Array.from(a.data));
    d.eval();
    expect(d.forward(x)).toBe(x);
    expect(() => new Dropout(1, source)).toThrow(/\[0, 1\)/);
  });
});
