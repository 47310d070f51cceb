/**
 * Dropout with counter-based masks (src/accel/dropout-masks.ts), the speed layer's kind: the same statistics
 * as the reference's stream masks, a gradient that passes gradcheck, and exactly the Speck mask's scaling.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../src/accel/index.ts';
import { dropout, Rng, Tensor } from '../ops/core.ts';
import { speckDropoutMask, speckKeyFromWords, speckRoundKeys } from '../../src/accel/speck.ts';
import { expectGradOk, expectKeepsIndependently, runs, shapeArb, t64, tensorArb } from '../ops/helpers.ts';

describe('dropout with counter masks', () => {
  const arb = shapeArb(0, 3).chain((shape) =>
    fc.tuple(tensorArb(shape), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.integer({ min: 0, max: 1e6 })).map(([x, p, seed]) => ({ x, p, seed })),
  );

  it.each(['counter'] as const)('with %s masks, keeps each element with probability 1 - p, independently of its neighbours', (kind) => {
    for (const p of [0.1, 0.5]) expectKeepsIndependently((x) => dropout(x, p, new Rng(11), true, kind), p);
  });

  it('with counter masks, gradcheck passes and the gradient is the Speck mask scaling; the Rng advances four words', () => {
    fc.assert(
      fc.property(arb, ({ x, p, seed }) => {
        const state = new Rng(seed).getState();
        expectGradOk((t) => dropout(t, p, Rng.fromState(state), true, 'counter'), [x]);
        if (p === 0) return;
        const rng = Rng.fromState(state);
        const replay = Rng.fromState(state);
        const xFresh = new Tensor(x.data.slice(), x.shape, true); // expectGradOk left a gradient on x
        const y = dropout(xFresh, p, rng, true, 'counter');
        y.backward(
          t64(
            x.shape,
            Array.from({ length: x.size }, (_, i) => i + 1),
            false,
          ),
        );
        const w = [replay.nextUint32(), replay.nextUint32(), replay.nextUint32(), replay.nextUint32()];
        const mask = speckDropoutMask(speckRoundKeys(speckKeyFromWords(w[0], w[1])), x.size, p, 1);
        for (let i = 0; i < x.size; i++) {
          expect(xFresh.grad!.data[i]).toBe(mask[i] ? (i + 1) / (1 - p) : 0);
          expect(y.data[i]).toBe(mask[i] ? x.data[i] / (1 - p) : 0);
        }
        expect(rng.next()).toBe(replay.next());
      }),
      runs(20),
    );
  });
});
