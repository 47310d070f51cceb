/**
 * Lesson 3: WordPiece, from a raw corpus to BERT's input format.
 *
 *   npx tsx examples/03-wordpiece.ts
 *
 * What you will see:
 *   1. a small vocabulary (1000 tokens) trained on the King James Bible: the first merges the trainer makes,
 *      and what the vocabulary is made of (special tokens, characters, `##` characters, merged pieces);
 *   2. how words split, and why: WordPiece tries the longest piece at each position first, so frequent words
 *      stay whole, rarer ones split into frequent pieces, and a word with a character the vocabulary lacks
 *      becomes [UNK];
 *   3. the same words with the full bert-base-uncased vocabulary (30,522 tokens) for comparison;
 *   4. BERT's input for a pair of sentences: [CLS] A [SEP] B [SEP], segment ids, positions, attention mask.
 *
 * Uses ../shared/corpora/kjv.txt when it is there (beside the repository), else a short passage below.
 * Read alongside: docs/wordpiece.md, src/tokenizer/trainer.ts, src/tokenizer/wordpiece.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BertTokenizer, preTokenize, trainWordPiece, Vocab } from '../src/tokenizer/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const KJV = root + '../shared/corpora/kjv.txt';
const FALLBACK = `In the beginning God created the heaven and the earth.
And the earth was without form, and void; and darkness was upon the face of the deep. And the Spirit of God moved upon the face of the waters.
And God said, Let there be light: and there was light.
And God saw the light, that it was good: and God divided the light from the darkness.
And God called the light Day, and the darkness he called Night. And the evening and the morning were the first day.
And God said, Let there be a firmament in the midst of the waters, and let it divide the waters from the waters.
And God made the firmament, and divided the waters which were under the firmament from the waters which were above the firmament: and it was so.`;

// ---------------------------------------------------------------------------------------------------------
// 1. Train a small vocabulary.
// ---------------------------------------------------------------------------------------------------------
const corpus = existsSync(KJV) ? readFileSync(KJV, 'utf8') : FALLBACK;
console.log(`1. Training a WordPiece vocabulary of 1000 tokens on ${existsSync(KJV) ? 'the KJV Bible' : 'a short passage'} (${corpus.length} characters)\n`);
const merges: string[] = [];
const t0 = performance.now();
const tokens = trainWordPiece({
  texts: [corpus],
  vocabSize: 1000,
  onMerge: (m) => merges.push(`${m.left.padEnd(6)} + ${m.right.padEnd(7)} -> ${m.token.padEnd(8)} seen ${m.count} times`),
});
console.log(`   done in ${(performance.now() - t0).toFixed(0)} ms. The first merges (the most frequent adjacent pairs):`);
for (const m of merges.slice(0, 12)) console.log('     ' + m);
console.log('   Each word starts as characters, the first plain and the others marked ## ("the" = t ##h ##e);');
console.log('   a merge joins the most frequent adjacent pair everywhere and adds the result to the vocabulary.\n');

const special = tokens.filter((t) => /^\[[A-Z]+\]$/.test(t));
const chars = tokens.filter((t) => [...t].length === 1);
const contChars = tokens.filter((t) => t.startsWith('##') && [...t].length === 3);
console.log(`   The vocabulary: ${special.length} special tokens (${special.join(' ')}), ${chars.length} characters,`);
console.log(`   ${contChars.length} ##characters, and ${tokens.length - special.length - chars.length - contChars.length} merged pieces,`);
console.log(`   e.g. ${tokens.slice(-8).join(', ')} (the last ones learned).\n`);

// ---------------------------------------------------------------------------------------------------------
// 2. How words split, and why.
// ---------------------------------------------------------------------------------------------------------
const small = new BertTokenizer(new Vocab(tokens));

/** Show WordPiece's greedy longest-match-first search for one (already normalised) word. */
function explain(word: string, vocab: Vocab): string {
  const chars = Array.from(word);
  const steps: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let tried = 0;
    while (end > start) {
      const piece = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
      if (vocab.has(piece)) break;
      tried++;
      end--;
    }
    if (end === start) return `no piece matches at "${chars.slice(start).join('')}": the whole word is [UNK]`;
    const piece = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
    steps.push(`${piece}${tried ? ` (after ${tried} longer tr${tried === 1 ? 'y' : 'ies'})` : ''}`);
    start = end;
  }
  return steps.join(', ');
}

const words = ['the', 'begat', 'firmament', 'unbelieving', 'tokenization', 'Jerusalem', 'zebra', 'café'];
console.log('2. How words split with the 1000-token vocabulary, and why:');
for (const w of words) {
  const normalised = preTokenize(w)[0].text; // lowercased, accents stripped: what WordPiece sees
  console.log(`   ${w.padEnd(13)} -> ${small.tokenize(w).join(' ').padEnd(28)} ${explain(normalised, small.vocab)}`);
}
console.log('   Frequent words are whole tokens; rare ones are spelled with frequent pieces. The search is greedy:');
console.log('   at each position it takes the longest piece in the vocabulary, then continues after it with ## pieces.');
console.log('   Text is lowercased and accents are stripped first (uncased), so "café" is looked up as "cafe".\n');

// ---------------------------------------------------------------------------------------------------------
// 3. The same words with bert-base-uncased.
// ---------------------------------------------------------------------------------------------------------
const bert = BertTokenizer.fromFile(root + 'test/fixtures/tokenizer/bert-base-uncased-vocab.txt');
console.log('3. With bert-base-uncased (30,522 tokens, trained on Wikipedia and books):');
for (const w of words) console.log(`   ${w.padEnd(13)} -> ${bert.tokenize(w).join(' ')}`);
console.log('   A bigger vocabulary keeps more words whole; a vocabulary from another corpus splits differently.\n');

// ---------------------------------------------------------------------------------------------------------
// 4. BERT's input format for a pair of sentences.
// ---------------------------------------------------------------------------------------------------------
const e = bert.encode('Who made the firmament?', 'And God made the firmament.', { maxLength: 20, padding: 'max_length' });
console.log('4. BERT input for a pair: [CLS] A [SEP] B [SEP], padded to 20');
const rows: [string, (string | number | null)[]][] = [
  ['position', e.inputIds.map((_, i) => i)],
  ['token', e.tokens],
  ['input id', e.inputIds],
  ['segment', e.tokenTypeIds],
  ['attention', e.attentionMask],
  ['offsets', e.offsets.map(([a, b]) => `${a}-${b}`)],
];
const width = Math.max(...e.tokens.map((t) => t.length), 5) + 1;
for (const [name, cells] of rows) console.log(`   ${name.padEnd(10)}${cells.map((c) => String(c).padStart(width)).join('')}`);
console.log('   Segment (token type) ids tell the model which sentence a token is from; positions are just 0, 1, 2...;');
console.log('   the attention mask hides the padding; offsets point back into each sentence ([CLS]/[SEP]/[PAD]: 0-0).');
console.log(`   decode: "${bert.decode(e.inputIds, { skipSpecialTokens: true })}"`);
