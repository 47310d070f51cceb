/**
 * Our safetensors reader against Hugging Face's reference, on fuzz files. Step 1 (this script) writes N mutated
 * valid files and N files with random headers (the generators of test/reliability/safetensors-arbitraries.ts,
 * fixed seeds) into DIR, with our reader's verdict on each in DIR/ours.jsonl. Step 2,
 * scripts/safetensors-differential.py, reads the same files with the reference (`pip install safetensors`) and
 * counts where the two disagree. docs/reliability.md gives the numbers.
 *
 *   npx tsx scripts/safetensors-differential.ts DIR [N=10000]
 *   python3 scripts/safetensors-differential.py DIR
 */
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../src/io/index.ts';
import { enc, mutate, mutationArb, rawHeaderArb, validArb } from '../test/reliability/safetensors-arbitraries.ts';

const [dir, count = '10000'] = process.argv.slice(2);
if (!dir) throw new Error('usage: npx tsx scripts/safetensors-differential.ts DIR [N]');
const n = Number(count);
mkdirSync(dir, { recursive: true });

const verdicts: string[] = [];
let i = 0;
function record(bytes: Uint8Array): void {
  const file = `${i++}.safetensors`;
  writeFileSync(join(dir, file), bytes);
  let verdict: { ok: boolean; tensors?: number; error?: string };
  try {
    verdict = { ok: true, tensors: readSafetensors(bytes).names().length };
  } catch (err) {
    verdict = { ok: false, error: (err as Error).message };
  }
  verdicts.push(JSON.stringify({ file, ...verdict }));
}

for (const [[tensors, metadata], mutations] of fc.sample(fc.tuple(validArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 })), { numRuns: n, seed: 1 })) {
  let bytes = writeSafetensors(tensors, metadata);
  for (const m of mutations) bytes = mutate(bytes, m);
  record(bytes);
}
for (const [{ text, length }, fill] of fc.sample(fc.tuple(rawHeaderArb, fc.integer({ min: 0, max: 255 })), { numRuns: n, seed: 2 })) {
  const header = enc.encode(text);
  const bytes = new Uint8Array(8 + header.byteLength + length).fill(fill);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.byteLength), true);
  bytes.set(header, 8);
  record(bytes);
}
writeFileSync(join(dir, 'ours.jsonl'), verdicts.join('\n') + '\n');
console.log(`${i} files and our verdicts in ${dir}`);
