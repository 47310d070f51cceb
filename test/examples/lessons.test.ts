/**
 * Every lesson in examples/ runs and prints what its header promises. They are the first code a learner
 * runs, so a change that breaks one, or makes it print something else than the lesson explains, fails here.
 * Each takes a few seconds, 04 about twenty; 05-07, which fine-tune for up to a minute or more, run with --quick
 * (less data, fewer steps: 5 to 15 seconds of CPU each). 08 (device tensors) has its own test file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Run examples/NAME.ts as a learner would (`npx tsx examples/NAME.ts ARGS`): what it printed (out) and its
 * stderr (log: a training lesson's progress and dev scores). A non-zero exit rejects. Asynchronous, so that the
 * test worker stays responsive while a lesson trains (a long synchronous wait times out vitest's worker calls).
 */
async function runExample(name: string, args: string[] = []): Promise<{ out: string; log: string }> {
  const argv = ['--import', 'tsx', `examples/${name}.ts`, ...args];
  const { stdout, stderr } = await promisify(execFile)(process.execPath, argv, { cwd: root, encoding: 'utf8', timeout: 180_000 });
  return { out: stdout, log: stderr };
}

/** The first number after `label` in `text`. */
function numberAfter(text: string, label: string): number {
  const at = text.indexOf(label);
  expect(at, `"${label}" in the output`).toBeGreaterThanOrEqual(0);
  const match = text.slice(at + label.length).match(/-?\d+(\.\d+)?(e[+-]?\d+)?/);
  expect(match, `a number after "${label}"`).not.toBeNull();
  return Number(match![0]);
}

describe('the lessons in examples/', () => {
  it('00-bert-in-one-file: the one-file BERT matches Hugging Face, outputs, loss and every gradient', async () => {
    const { out } = await runExample('00-bert-in-one-file');
    expect(out).toMatch(/prediction_logits \[3, 17, 99\]\s+\S+\s+\S+\s+ok/);
    expect(out).toMatch(/d loss \/ d bert\.encoder\.layer\.1\.\* \(16\)\s+\S+\s+\S+\s+ok/);
    expect(out).not.toContain('FAIL');
    expect(out).toContain('All within tolerance.');
    const { out: random } = await runExample('00-bert-in-one-file', ['--random']);
    expect(random).toContain('every parameter has a finite gradient');
    expect(numberAfter(random, 'loss = MLM ')).toBeCloseTo(Math.log(50), 0); // at chance when the weights are random
  });

  it('01-autograd: hand-checked gradients, accumulation, a passing gradcheck and a spiral learned', async () => {
    const { out } = await runExample('01-autograd');
    expect(out).toContain('backward(): dL/da = -24, dL/db = 16, dL/dc = 8');
    expect(out).toContain('dy/dx = 7');
    expect(out).toContain('x.grad = 14 (7 + 7)');
    expect(numberAfter(out, 'worst error / tolerance = ')).toBeLessThan(1);
    expect(numberAfter(out, 'final training accuracy ')).toBeGreaterThan(90);
  });

  it('02-bert-forward: the Hugging Face checkpoint loads completely, the stages have their shapes, padding gets no attention', async () => {
    const { out } = await runExample('02-bert-forward');
    expect(out).toContain('missing: 0, unexpected: 0');
    expect(out).toMatch(/additive attention mask\s+\[2, 1, 1, 9\]/);
    expect(out).toMatch(/layer 1 attention probabilities\s+\[2, 4, 9, 9\]/);
    expect(out).toMatch(/MLM logits \(tied decoder\)\s+\[2, 9, 99\]/);
    expect(out).toContain('largest attention paid to a [PAD] key: 0; a row sums to 1.000000');
    const loss = out.match(/loss = MLM (\d+\.\d+) \+ NSP (\d+\.\d+) = (\d+\.\d+)/);
    expect(loss).not.toBeNull();
    expect(Number(loss![1]) + Number(loss![2])).toBeCloseTo(Number(loss![3]), 3);
  });

  it('03-wordpiece: a 1000-token vocabulary from the KJV, greedy longest-match splits, and a BERT pair input', async () => {
    const { out } = await runExample('03-wordpiece');
    expect(out).toContain('Training a WordPiece vocabulary of 1000 tokens');
    expect(out).toMatch(/t\s+\+ ##h\s+-> th/); // the first merge: the most frequent pair
    expect(out).toMatch(/begat\s+-> beg ##at/);
    expect(out).toMatch(/firmament\s+-> firm ##ament/); // bert-base-uncased's split
    expect(out).toMatch(/input id\s+101\s+2040\s+2081\s+1996\s+3813\s+24996\s+1029\s+102/);
    expect(out).toContain('decode: "who made the firmament? and god made the firmament."');
  });

  it('04-pretraining: masked instances with next-sentence labels, and a masked-LM loss that falls from chance', async () => {
    const { out } = await runExample('04-pretraining');
    expect(out).toMatch(/\[MASK\]\(->[^)]+\)/); // a masked token shown with the original to predict
    expect(out).toMatch(/next-sentence label: [01]/);
    const first = numberAfter(out, 'step  1: MLM loss ');
    const last = numberAfter(out, 'step 60: MLM loss ');
    expect(first).toBeGreaterThan(5.5); // ln 300 = 5.70 at chance
    expect(last).toBeLessThan(first - 1);
  });

  it('05-classification --quick: fine-tuning with dev accuracy per epoch, a test report with confusion matrix, predictions', async () => {
    const { out, log } = await runExample('05-classification', ['--quick']);
    expect(out).toMatch(/the meal was awful \.\s+->\s+negative/);
    expect(out).toContain('600 training, 100 dev and 100 test rows');
    for (const epoch of [1, 2, 3]) expect(log).toMatch(new RegExp(`dev step \\d+ \\(epoch ${epoch}\\.00\\): accuracy`));
    expect(numberAfter(out, 'best dev accuracy ')).toBeGreaterThan(70); // chance is 33%, the majority label 40%
    const testAccuracy = out.match(/^\s+accuracy\s+(\d\.\d+)\s+100$/m);
    expect(testAccuracy, 'the accuracy row of the test report').not.toBeNull();
    expect(Number(testAccuracy![1])).toBeGreaterThan(0.7);
    expect(out).toMatch(/confusion matrix \(rows: true class, columns: predicted class\)\n\s+true \\ predicted +negative +neutral +positive/);
    expect(out).toMatch(/with "not"\s+: \d+\/\d+ right/);
    const svg = join(root, 'runs', 'examples', '05-classification-quick', 'test-confusion.svg');
    expect(existsSync(svg) && readFileSync(svg, 'utf8').startsWith('<svg')).toBe(true);
    expect(out).toMatch(/the movie was great \.\s+positive\s+\(negative \d+%, neutral \d+%, positive \d+%\)/);
    expect(out).toMatch(/the concert was late \.\s+neutral\s+\(/);
  });

  it('06-token-classification --quick: labels on first word pieces, entity-level scores, tags for new sentences', async () => {
    const { out, log } = await runExample('06-token-classification', ['--quick']);
    expect(out).toContain('Labels: B-ANIMAL, B-LOC, B-PER, I-LOC, I-PER, O');
    expect(out).toMatch(/\[CLS\]\/-100 max\/B-PER ##ie\/-100 .* \[SEP\]\/-100/); // the tag on the first piece only
    expect(log).toMatch(/dev step \d+ \(epoch 2\.00\): f1/);
    const row = (type: string) => new RegExp(`^\\s+${type}(\\s+\\d\\.\\d{4}){3}\\s+\\d+$`, 'm'); // precision, recall, F1, support
    for (const type of ['ANIMAL', 'LOC', 'PER']) expect(out).toMatch(row(type));
    const micro = out.match(/micro avg\s+\d\.\d+\s+\d\.\d+\s+(\d\.\d+)/);
    expect(micro, 'the micro-average row').not.toBeNull();
    expect(Number(micro![1])).toBeGreaterThan(0.8);
    expect(out).toMatch(/henry hill\s+met lena\s+at the old\s+mill\s+\.\n\s+B-PER I-PER O\s+B-PER/);
  });

  it('07-question-answering --quick: windows with their targets, EM/F1 beside guessing, n-best span decoding', async () => {
    const { out, log } = await runExample('07-question-answering', ['--quick']);
    expect(out).toContain('target: [CLS] (the answer is not in this window)');
    expect(out).toMatch(/target: tokens \d+\.\.\d+ = "hive"/);
    expect(log).toMatch(/dev step \d+ \(epoch 2\.00\): exact_match/);
    const em = numberAfter(out, 'exact match ');
    expect(numberAfter(out, '   F1 ')).toBeGreaterThanOrEqual(em);
    expect(em).toBeGreaterThan(numberAfter(out, 'any food or home of the context ') + 10);
    expect(out).toMatch(/start\s+-?\d+\.\d+ \+ end\s+-?\d+\.\d+ =\s+-?\d+\.\d+\s+p \d+\.\d%/);
    expect(out).toMatch(/Q: where does the lion live \?\s+-> "[^"]+" \(p \d+\.\d%; right: "cave"\)/);
  });

  it('09-what-attention-sees (--quick, about 15 s): both pictures written and well-formed, a measured share per head', async () => {
    const { checkXml } = await import('../viz/xml.ts');
    const { out } = await runExample('09-what-attention-sees', ['--quick']);
    const attention = out.match(/wrote (\S+attention\.svg)/)?.[1];
    const embeddings = out.match(/wrote (\S+embeddings\.svg)/)?.[1];
    expect(attention, 'the attention picture path').toBeDefined();
    expect(embeddings, 'the embeddings picture path').toBeDefined();
    const attentionSvg = readFileSync(join(root, attention!), 'utf8');
    expect(checkXml(attentionSvg).get('svg')).toBe(1);
    expect([...attentionSvg.matchAll(/<g class="panel"/g)]).toHaveLength(4); // 2 layers x 2 heads
    expect(attentionSvg).toContain('>[MASK]</text>');
    const embeddingsSvg = readFileSync(join(root, embeddings!), 'utf8');
    checkXml(embeddingsSvg);
    expect([...embeddingsSvg.matchAll(/<circle class="point"/g)].length).toBe(numberAfter(out, 'Word embeddings of '));
    expect(out).toContain('tokens: [CLS] the cow lives in the field . [SEP] the cow likes to eat [MASK] . [SEP]');
    // The table: a header and one row per head, every share a percentage.
    const rows = out.split('\n').filter((l) => /^\s+[01]\s+[01]\s+\d/.test(l));
    expect(rows).toHaveLength(4);
    for (const row of rows) for (const v of row.match(/\d+\.\d%/g)!) expect(Number(v.slice(0, -1))).toBeLessThanOrEqual(100);
    expect(numberAfter(out, 'averaged over ')).toBe(40);
    expect(numberAfter(out, 'the two principal components keep ')).toBeGreaterThan(0);
  });
});
