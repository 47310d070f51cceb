/**
 * The reverse-mode engine: accumulation over several uses and several backward calls, diamonds, noGrad,
 * detach, freed graphs, errors, a very long chain, and the release of saved buffers.
 */
import { describe, expect, it } from 'vitest';
import {
  add,
  backward,
  exp,
  isGradEnabled,
  mul,
  noGrad,
  record,
  reshape,
  scale,
  softmax,
  square,
  sum,
  tanh,
  tensor,
  Tensor,
  topologicalOrder,
} from '../ops/core.ts';
import { expectGradOk, t64 } from '../ops/helpers.ts';

describe('gradient accumulation', () => {
  it('a tensor used twice (x * x) gets the sum of both contributions: 2x', () => {
    const x = t64([3], [1, -2, 0.5]);
    sum(mul(x, x)).backward();
    expect(Array.from(x.grad!.data)).toEqual([2, -4, 1]);
  });

  it('x + x + x through a chain of adds gives 3', () => {
    const x = t64([2], [4, 5]);
    sum(add(add(x, x), x)).backward();
    expect(Array.from(x.grad!.data)).toEqual([3, 3]);
  });

  it('a diamond: x -> u = x^2, v = 3x -> sum(u * v) = sum(3 x^3) has gradient 9 x^2', () => {
    const x = t64([3], [1, 2, -1]);
    const u = square(x);
    const v = scale(x, 3);
    sum(mul(u, v)).backward();
    expect(Array.from(x.grad!.data)).toEqual([9, 36, 9]);
    // The same graph shape checked numerically, with a deeper diamond (tanh and exp of a shared node).
    expectGradOk(
      (t) => {
        const s = mul(t, 0.5);
        return sum(mul(tanh(s), exp(s)));
      },
      [t64([4], [0.1, -0.7, 1.3, 2])],
    );
  });

  it('two backward calls through two forward passes add up in the leaf .grad', () => {
    const x = t64([2], [1, 3]);
    sum(square(x)).backward(); // 2x
    sum(scale(x, 5)).backward(); // 5
    expect(Array.from(x.grad!.data)).toEqual([7, 11]);
  });

  it('only leaves that require a gradient receive one; intermediates keep grad null', () => {
    const x = t64([2], [1, 2]);
    const c = t64([2], [3, 4], false);
    const h = mul(x, c);
    sum(h).backward();
    expect(Array.from(x.grad!.data)).toEqual([3, 4]);
    expect(c.grad).toBe(null);
    expect(h.grad).toBe(null);
  });

  it('the leaf gradient is a copy: changing the gradOutput afterwards does not change .grad', () => {
    const x = t64([2, 2], [1, 2, 3, 4]);
    const g = t64([4], [1, 1, 1, 1], false);
    reshape(x, [4]).backward(g); // reshape's backward shares storage with g
    g.data.fill(9);
    expect(Array.from(x.grad!.data)).toEqual([1, 1, 1, 1]);
  });
});

describe('noGrad and detach', () => {
  it('noGrad records nothing: no gradFn, requiresGrad false, and the mode is restored', () => {
    const x = t64([2], [1, 2]);
    expect(isGradEnabled()).toBe(true);
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return sum(square(x));
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBe(null);
    expect(isGradEnabled()).toBe(true);
    expect(() => y.backward()).toThrow(/^backward: the tensor does not require a gradient/);
  });

  it('noGrad nests and restores the mode even when the function throws', () => {
    expect(() =>
      noGrad(() => {
        noGrad(() => expect(isGradEnabled()).toBe(false));
        expect(isGradEnabled()).toBe(false);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('detach stops the gradient: d/dx sum(x * detach(x)) = x, not 2x', () => {
    const x = t64([3], [1, 2, 3]);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBe(null);
    sum(mul(x, d)).backward();
    expect(Array.from(x.grad!.data)).toEqual([1, 2, 3]);
  });

  it('an op on inputs that need no gradient records nothing', () => {
    const a = t64([2], [1, 2], false);
    const y = record(new Tensor(new Float64Array(2), [2]), [a], 'probe', () => [null]);
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBe(null);
  });
});

describe('freed graphs and errors', () => {
  it('a second backward through the same graph is a clear error', () => {
    const x = t64([2], [1, 2]);
    const loss = sum(square(x));
    loss.backward();
    expect(() => loss.backward()).toThrow(/^backward: this graph was already used by a backward pass and its buffers are freed; run the forward pass again$/);
  });

  it('building on an intermediate whose graph was freed, then calling backward, is a clear error', () => {
    const x = t64([2], [1, 2]);
    const h = square(x);
    sum(h).backward();
    const again = sum(scale(h, 2));
    expect(() => again.backward()).toThrow(/^backward: part of this graph was already freed by an earlier backward pass; run the forward pass again$/);
  });

  it('backward of a non-scalar without gradOutput, or with a gradOutput of another shape, is an error', () => {
    const x = t64([2, 3], [1, 2, 3, 4, 5, 6]);
    const y = square(x);
    expect(() => y.backward()).toThrow(/^backward: gradOutput may only be omitted for a one-element tensor, got shape \[2,3\]$/);
    expect(() => y.backward(t64([3, 2], [1, 1, 1, 1, 1, 1], false))).toThrow(/^backward: gradOutput shape \[3,2\] differs from the tensor's \[2,3\]$/);
    // Nothing was consumed by the failed calls: the graph still works.
    y.backward(t64([2, 3], [1, 1, 1, 1, 1, 1], false));
    expect(Array.from(x.grad!.data)).toEqual([2, 4, 6, 8, 10, 12]);
  });

  it('a gradOutput of another dtype is an error (regression: exp accepted it silently, mul failed naming itself)', () => {
    const x = t64([2], [1, 2]);
    const y = mul(x, x);
    expect(() => y.backward(tensor([1, 1]))).toThrow(/^backward: gradOutput dtype float32 differs from the tensor's float64 \(convert it with cast\(\)\)$/);
    expect(() => exp(x).backward(tensor([1, 1]))).toThrow(/^backward: gradOutput dtype float32 differs/);
    y.backward(t64([2], [1, 1], false));
    expect(Array.from(x.grad!.data)).toEqual([2, 4]);
  });

  it('a one-element non-scalar tensor ([1, 1]) may omit gradOutput', () => {
    const x = t64([1, 1], [3]);
    square(x).backward();
    expect(x.grad!.toArray()).toEqual([[6]]);
  });

  it('a backward function that returns a gradient of the wrong shape is reported with the op name', () => {
    const x = t64([2], [1, 2]);
    const y = record(new Tensor(Float64Array.from([1, 2]), [2]), [x], 'badOp', () => [t64([3], [1, 1, 1], false)]);
    expect(() => sum(y).backward()).toThrow(/^backward of badOp: gradient for input 0 has shape \[3\], the input has \[2\]$/);
  });
});

describe('long graphs and memory', () => {
  it('a chain of 20,000 ops runs backward without overflowing the stack', () => {
    const x = t64([1], [0.5]);
    let h: Tensor = x;
    for (let i = 0; i < 20_000; i++) h = add(h, 1e-4);
    h.backward();
    expect(Array.from(x.grad!.data)).toEqual([1]);
    expect(h.gradFn).toBe(null);
  });

  it('after backward every intermediate has released its gradFn (and the buffers its closure saved)', () => {
    const x = t64([2, 3], [1, 2, 3, 4, 5, 6]);
    const w = t64([3], [0.1, 0.2, 0.3]);
    const intermediates: Tensor[] = [];
    const keep = (t: Tensor) => (intermediates.push(t), t);
    const loss = keep(sum(keep(softmax(keep(mul(keep(tanh(x)), w))))));
    const order = topologicalOrder(loss);
    expect(order).toHaveLength(intermediates.length + 2);
    expect(intermediates.every((t) => t.gradFn !== null)).toBe(true);
    loss.backward();
    for (const t of intermediates) {
      expect(t.gradFn).toBe(null);
      expect(t.graphReleased).toBe(true);
      expect(t.isLeaf).toBe(false);
    }
    expect(x.isLeaf && w.isLeaf).toBe(true);
    expect(x.grad).not.toBe(null);
    expect(w.grad).not.toBe(null);
  });

  it('topologicalOrder lists every tensor after all of its inputs', () => {
    const x = t64([2], [1, 2]);
    const a = square(x);
    const b = exp(x);
    const c = mul(a, b);
    const d = add(c, a);
    const order = topologicalOrder(d);
    const pos = new Map(order.map((t, i) => [t, i]));
    for (const t of order) for (const input of t.gradFn?.inputs ?? []) if (input.requiresGrad) expect(pos.get(input)!).toBeLessThan(pos.get(t)!);
    expect(order[order.length - 1]).toBe(d);
    expect(new Set(order).size).toBe(order.length);
  });

  it('backward on a leaf itself sets its gradient to the given gradOutput', () => {
    const x = tensor([[1, 2]], { requiresGrad: true });
    backward(x, tensor([[3, 4]]));
    expect(x.grad!.toArray()).toEqual([[3, 4]]);
  });
});
