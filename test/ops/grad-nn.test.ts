/**
 * Gradient checks for the network ops: softmax / logSoftmax on any axis, layerNorm (input, weight and bias),
 * dropout with a replayed mask, and the losses (crossEntropy with ignore index and every reduction, mseLoss,
 * bceWithLogits).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  bceWithLogits,
  crossEntropy,
  dropout,
  gelu,
  layerNorm,
  logSoftmax,
  maskedFill,
  matmul,
  mseLoss,
  reshape,
  Rng,
  scale,
  scaledMaskedSoftmax,
  softmax,
  sum,
  Tensor,
  type Reduction,
} from './core.ts';
import { broadcastableTo, expectGradOk, expectKeepsIndependently, runs, shapeArb, sizeOfShape, t64, tensorArb, values } from './helpers.ts';

const reductionArb = fc.constantFrom<Reduction>('mean', 'sum', 'none');

describe('gradients of softmax and logSoftmax', () => {
  const arb = shapeArb(1, 3).chain((shape) =>
    fc.tuple(tensorArb(shape, -4, 4), fc.integer({ min: -shape.length, max: shape.length - 1 })).map(([x, axis]) => ({ x, axis })),
  );

  it('softmax along any axis', () => {
    fc.assert(
      fc.property(arb, ({ x, axis }) => expectGradOk((t) => softmax(t, axis), [x])),
      runs(25),
    );
  });

  it('logSoftmax along any axis', () => {
    fc.assert(
      fc.property(arb, ({ x, axis }) => expectGradOk((t) => logSoftmax(t, axis), [x])),
      runs(25),
    );
  });
});

describe('gradient of scaledMaskedSoftmax', () => {
  /** Scores of rank 1..4, a scale, and a mask broadcastable to the scores (or none). */
  const arb = shapeArb(1, 4).chain((shape) =>
    fc
      .tuple(
        tensorArb(shape, -3, 3),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.option(
          broadcastableTo(shape).chain((m) => tensorArb(m, -2, 2)),
          { nil: undefined },
        ),
        fc.boolean(),
      )
      .map(([scores, c, mask, maskNeedsGrad]) => {
        if (mask) mask.requiresGrad = maskNeedsGrad;
        return { scores, c, mask };
      }),
  );

  it('with respect to the scores and (when it requires one) the broadcast mask', () => {
    fc.assert(
      fc.property(arb, ({ scores, c, mask }) => {
        if (mask) expectGradOk((s, m) => scaledMaskedSoftmax(s, c, m), [scores, mask]);
        else expectGradOk((s) => scaledMaskedSoftmax(s, c), [scores]);
      }),
      runs(30),
    );
  });

  it('a mask of -1e4 / 0 (padding): masked keys get no gradient, the rest match central differences', () => {
    const scores = t64([2, 3], [0.5, -1, 2, 1, 1, -0.5]);
    const mask = t64([1, 3], [0, -1e4, 0], false);
    expectGradOk((s) => scaledMaskedSoftmax(s, 0.7, mask), [scores]);
    scores.grad = null;
    scaledMaskedSoftmax(scores, 0.7, mask).backward(t64([2, 3], [1, 2, 3, 4, 5, 6], false));
    expect(Math.abs(scores.grad!.data[1])).toBeLessThan(1e-300);
    expect(Math.abs(scores.grad!.data[4])).toBeLessThan(1e-300);
  });
});

describe('gradient of layerNorm', () => {
  /** Population variance of each row of length H. */
  const rowVariances = (v: number[], H: number) => {
    const out: number[] = [];
    for (let o = 0; o < v.length; o += H) {
      const row = v.slice(o, o + H);
      const mu = row.reduce((a, b) => a + b, 0) / H;
      out.push(row.reduce((a, b) => a + (b - mu) ** 2, 0) / H);
    }
    return out;
  };

  it('with respect to input, weight and bias, rows of any leading shape (eps 1e-12 and 1e-5)', () => {
    const arb = fc
      .tuple(shapeArb(0, 2), fc.integer({ min: 1, max: 7 }), fc.constantFrom(1e-12, 1e-5))
      .chain(([lead, H, eps]) =>
        fc.tuple(values(sizeOfShape(lead) * H), tensorArb([H]), tensorArb([H])).map(([xv, w, b]) => ({ xv, shape: [...lead, H], H, w, b, eps })),
      );
    fc.assert(
      fc.property(arb, ({ xv, shape, H, w, b, eps }) => {
        // Keep away from (near-)constant rows, where 1/sqrt(var + eps) makes the function too curved for
        // central differences with h = 1e-6; a row of one element is constant by definition and is fine.
        fc.pre(H === 1 || rowVariances(xv, H).every((v) => v >= 0.01));
        expectGradOk((x, gamma, beta) => layerNorm(x, gamma, beta, eps), [t64(shape, xv), w, b]);
      }),
      runs(25),
    );
  });
});

describe('gradient of dropout', () => {
  const arb = shapeArb(0, 3).chain((shape) =>
    fc.tuple(tensorArb(shape), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.integer({ min: 0, max: 1e6 })).map(([x, p, seed]) => ({ x, p, seed })),
  );

  it('with the mask replayed from the saved Rng state, gradcheck passes', () => {
    fc.assert(
      fc.property(arb, ({ x, p, seed }) => {
        const state = new Rng(seed).getState();
        // Each call starts from the same generator state, so every forward uses the same mask.
        expectGradOk((t) => dropout(t, p, Rng.fromState(state)), [x]);
      }),
      runs(20),
    );
  });

  it('the gradient is the mask scaling: 1/(1-p) where kept, 0 where dropped, one fast-stream word per element', () => {
    fc.assert(
      fc.property(arb, ({ x, p, seed }) => {
        const rng = new Rng(seed);
        const replay = Rng.fromState(rng.getState());
        const y = dropout(x, p, rng);
        const upstream = t64(
          x.shape,
          Array.from({ length: x.size }, (_, i) => i + 1),
          false,
        );
        if (p === 0) {
          expect(y).toBe(x); // p = 0 is the identity and draws nothing
          return;
        }
        y.backward(upstream);
        const words = replay.fastStream(); // dropout's mask words: a fast stream seeded by the Rng
        for (let i = 0; i < x.size; i++) {
          const kept = words.nextUint32() >= p * 4294967296; // dropout keeps when a 32-bit word reaches p * 2^32
          expect(x.grad!.data[i]).toBe(kept ? (i + 1) * (1 / (1 - p)) : 0);
          expect(y.data[i]).toBe(kept ? x.data[i] * (1 / (1 - p)) : 0);
        }
        // Both generators are at the same point of the stream: dropout took one fast stream and nothing else.
        expect(rng.next()).toBe(replay.next());
      }),
      runs(20),
    );
  });

  it.each(['stream'] as const)('with %s masks (the reference), keeps each element with probability 1 - p, independently of its neighbours', (kind) => {
    for (const p of [0.1, 0.5]) expectKeepsIndependently((x) => dropout(x, p, new Rng(11), true, kind), p);
  });

  it('dropout refuses an unknown kind of masks, naming the choices', () => {
    const x = new Tensor(new Float32Array(4), [4]);
    expect(() => dropout(x, 0.5, new Rng(1), true, 'philox' as never)).toThrow(/masks must be one of auto, stream, counter, got philox/);
  });

  it('in evaluation mode dropout is the identity and draws nothing', () => {
    const x = t64([4], [1, 2, 3, 4]);
    const rng = new Rng(5);
    const before = rng.getState();
    expect(dropout(x, 0.5, rng, false)).toBe(x);
    expect(rng.getState()).toEqual(before);
  });
});

describe('gradients of the losses', () => {
  it('crossEntropy: logits [N, C] or [B, T, C], some targets ignored, every reduction', () => {
    const arb = fc
      .tuple(shapeArb(1, 2), fc.integer({ min: 1, max: 6 }), reductionArb, fc.constantFrom(-100, -1, 0))
      .chain(([lead, C, reduction, ignoreIndex]) => {
        const n = sizeOfShape(lead);
        return fc
          .tuple(
            tensorArb([...lead, C], -4, 4),
            fc.array(fc.oneof(fc.integer({ min: 0, max: C - 1 }), fc.constant(ignoreIndex)), { minLength: n, maxLength: n }),
          )
          .map(([logits, t]) => ({ logits, targets: new Tensor(Int32Array.from(t), lead), reduction, ignoreIndex }));
      });
    fc.assert(
      fc.property(arb, ({ logits, targets, reduction, ignoreIndex }) => {
        expectGradOk((x) => crossEntropy(x, targets, { reduction, ignoreIndex }), [logits]);
        // Ignored rows get exactly zero gradient.
        logits.grad = null;
        const loss = crossEntropy(logits, targets, { reduction, ignoreIndex });
        (reduction === 'none' ? sum(loss) : loss).backward();
        const C = logits.shape[logits.rank - 1];
        targets.data.forEach((t, i) => {
          if (t === ignoreIndex) for (let j = 0; j < C; j++) expect(logits.grad!.data[i * C + j]).toBe(0);
        });
      }),
      runs(30),
    );
  });

  it('crossEntropy with every target ignored: mean loss 0 and zero gradient (no NaN)', () => {
    const logits = t64([2, 3], [1, 2, 3, 4, 5, 6]);
    const loss = crossEntropy(logits, new Tensor(Int32Array.from([-100, -100]), [2]));
    expect(loss.item()).toBe(0);
    loss.backward();
    expect(Array.from(logits.grad!.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('mseLoss with respect to input and target, every reduction', () => {
    const arb = fc.tuple(shapeArb(0, 3), reductionArb).chain(([s, reduction]) => fc.tuple(tensorArb(s), tensorArb(s)).map(([a, b]) => ({ a, b, reduction })));
    fc.assert(
      fc.property(arb, ({ a, b, reduction }) => expectGradOk((x, y) => mseLoss(x, y, reduction), [a, b])),
      runs(20),
    );
  });

  it('bceWithLogits with logits in [-12, 12] and soft targets in [0, 1], every reduction', () => {
    const arb = fc
      .tuple(shapeArb(0, 3), reductionArb)
      .chain(([s, reduction]) => fc.tuple(tensorArb(s, -12, 12), values(sizeOfShape(s), 0, 1)).map(([x, y]) => ({ x, y: t64(s, y, false), reduction })));
    fc.assert(
      fc.property(arb, ({ x, y, reduction }) => expectGradOk((t) => bceWithLogits(t, y, reduction), [x])),
      runs(20),
    );
  });
});

describe('gradient of a composition (a miniature transformer layer)', () => {
  it('masked self-attention, residual, layerNorm, GELU feed-forward and crossEntropy, all inputs at once', () => {
    const arb = fc
      .tuple(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1e6 }),
      )
      .chain(([B, T, H, C, seed]) =>
        fc
          .tuple(tensorArb([B, T, H], -1, 1), tensorArb([H, H], -1, 1), tensorArb([H], 0.5, 1.5), tensorArb([H], -0.5, 0.5), tensorArb([C, H], -1, 1))
          .map(([x, wqk, gamma, beta, wOut]) => {
            const rng = new Rng(seed);
            // Key padding mask: the last key of each sequence is masked in half of the draws (never all keys).
            const mask = new Tensor(
              Int32Array.from({ length: B * T }, (_, i) => (i % T === T - 1 && rng.next() < 0.5 ? 1 : 0)),
              [B, 1, T],
            );
            const targets = new Tensor(
              Int32Array.from({ length: B * T }, () => (rng.next() < 0.2 ? -100 : rng.int(C))),
              [B, T],
            );
            return { x, wqk, gamma, beta, wOut, mask, targets, H };
          }),
      );
    fc.assert(
      fc.property(arb, ({ x, wqk, gamma, beta, wOut, mask, targets, H }) => {
        const layer = (xi: Tensor, w: Tensor, g: Tensor, b: Tensor, wo: Tensor) => {
          const q = matmul(xi, w); // [B, T, H]
          const scores = scale(matmul(q, xi, { transposeB: true }), 1 / Math.sqrt(H)); // [B, T, T]
          const probs = softmax(maskedFill(scores, mask, -1e4), -1);
          const attended = matmul(probs, xi); // [B, T, H]
          const h = layerNorm(add(xi, attended), g, b, 1e-5);
          const logits = matmul(gelu(h), wo, { transposeB: true }); // [B, T, C]
          return crossEntropy(reshape(logits, [-1, logits.shape[2]]), reshape(targets, [-1]));
        };
        expectGradOk(layer, [x, wqk, gamma, beta, wOut]);
      }),
      runs(12),
    );
  });
});
