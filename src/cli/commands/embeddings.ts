import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs, required, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { loadMaskedLM } from '../../train/fill-mask.ts';
import { readWordList, wordVectors } from '../../train/word-vectors.ts';
import { embeddingsSvg } from '../../viz/embeddings.ts';

const flags: Record<string, FlagSpec> = {
  model: { kind: 'string', help: 'model directory (config.json, model.safetensors, vocab.txt), e.g. the --out of bert pretrain' },
  words: { kind: 'string', help: 'word list: one word per line, optionally followed by a group name ("cow animals"); # comments' },
  out: { kind: 'string', help: 'the SVG file to write' },
  'skip-unknown': { kind: 'boolean', help: 'leave out words that are not in the vocabulary (default: stop and list them)' },
  cased: { kind: 'boolean', help: 'the model is cased (default: uncased)' },
};

export const embeddingsCommand: Command = {
  name: 'embeddings',
  summary: "plot a model's word embeddings for a list of words, projected to 2-D by PCA (SVG)",
  usage: 'bert embeddings --model DIR --words FILE --out FILE.svg [--skip-unknown]',
  flags,
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags, { positionals: { max: 0, what: 'argument (the words come from --words FILE)' } });
    const dir = required<string>(f, 'model');
    const wordsPath = required<string>(f, 'words');
    const out = required<string>(f, 'out');
    const listed = readWordList(wordsPath);
    const { model, tokenizer } = loadMaskedLM(dir, !f.cased);
    const { vectors, unknown } = wordVectors(model, tokenizer, listed);
    if (unknown.length > 0) {
      const list = unknown.map((w) => `${w.source}: "${w.word}"`).join('\n  ');
      if (!f['skip-unknown'])
        throw new Error(`${unknown.length} word(s) not in the vocabulary of ${dir} (they become [UNK]; --skip-unknown leaves them out):\n  ${list}`);
      console.error(`left out ${unknown.length} word(s) not in the vocabulary:\n  ${list}`);
    }
    if (vectors.length < 3) throw new Error(`${wordsPath}: ${vectors.length} word(s) with a vector; a 2-D projection needs at least 3`);
    const { svg, pca } = embeddingsSvg(
      vectors.map((v) => ({ label: v.word, vector: v.vector, group: v.group, averaged: v.pieces.length > 1 })),
      { subtitle: `${dir}: ${vectors.length} words, input embeddings (${vectors[0]!.vector.length} numbers each)` },
    );
    mkdirSync(dirname(out), { recursive: true });
    await writeFileAtomic(out, svg);
    const split = vectors.filter((v) => v.pieces.length > 1);
    if (split.length) console.log(`averaged over their WordPiece pieces (rings): ${split.map((v) => `${v.word} = ${v.pieces.join(' ')}`).join(', ')}`);
    const [r1, r2] = pca.varianceRatios.map((r) => (100 * r).toFixed(1));
    console.log(`Wrote ${out}: ${vectors.length} words; the two components keep ${r1}% and ${r2}% of their variance.`);
    return 0;
  },
};
