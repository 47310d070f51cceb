/**
 * Split the KJV corpus the way the reference figures were measured (../shared/reference/README.md):
 * chapters (documents) are counted from 0; chapter i is held out when i % 20 == 7, else it is training text.
 *
 *   npx tsx scripts/kjv-split.ts [KJV_PATH] [OUT_DIR]
 * writes OUT_DIR/kjv-train.txt and OUT_DIR/kjv-heldout.txt in the same corpus format.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCorpusDocuments } from '../src/data/corpus.ts';

const kjv = process.argv[2] ?? '../shared/corpora/kjv.txt';
const out = process.argv[3] ?? 'runs/kjv';
const docs = await readCorpusDocuments([kjv]);
const train: string[] = [];
const held: string[] = [];
docs.forEach((d, i) => (i % 20 === 7 ? held : train).push(d.sentences.join('\n')));
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'kjv-train.txt'), train.join('\n\n') + '\n');
writeFileSync(join(out, 'kjv-heldout.txt'), held.join('\n\n') + '\n');
console.log(`${docs.length} chapters: ${train.length} for training, ${held.length} held out -> ${out}`);
