/**
 * A pretraining batch of random inputs for the training benchmarks (bench/train.ts, bench/device-train.ts):
 * random token ids clear of the special tokens, 15% of the positions of each sequence masked (the MLM head
 * computes logits only there, as the pretraining loop does), random MLM targets and NSP labels.
 */
import { randint, type Rng, Tensor } from '../src/index.ts';

export interface TrainBatchShape {
  vocab: number;
  batch: number;
  seq: number;
}

export function randomTrainBatch(c: TrainBatchShape, rng: Rng) {
  const inputIds = randint([c.batch, c.seq], c.vocab - 5, rng);
  for (let i = 0; i < inputIds.size; i++) inputIds.data[i] += 5; // clear of the special tokens
  const perSequence = Math.max(1, Math.round(0.15 * c.seq));
  const positions: number[] = [];
  for (let b = 0; b < c.batch; b++) {
    const chosen = new Set<number>();
    while (chosen.size < perSequence) chosen.add(1 + rng.int(c.seq - 1));
    for (const p of [...chosen].sort((x, y) => x - y)) positions.push(b * c.seq + p);
  }
  return {
    inputIds,
    tokenTypeIds: new Tensor(
      Int32Array.from({ length: c.batch * c.seq }, (_, i) => (i % c.seq < c.seq / 2 ? 0 : 1)),
      [c.batch, c.seq],
    ),
    mlmPositions: new Tensor(Int32Array.from(positions), [positions.length]),
    mlmLabels: new Tensor(
      Int32Array.from(positions, () => 5 + rng.int(c.vocab - 5)),
      [positions.length],
    ),
    nextSentenceLabel: new Tensor(
      Int32Array.from({ length: c.batch }, () => rng.int(2)),
      [c.batch],
    ),
  };
}
