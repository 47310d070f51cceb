/**
 * Lessons 01-04 (examples/) run and print what their headers promise. They are the first code a learner
 * runs, so a change that breaks one, or makes it print something else than the lesson explains, fails here.
 * (Each takes a few seconds, 04 about twenty; 05-07 fine-tune for a minute or two each and are run by hand.)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Run examples/NAME.ts as a learner would (`npx tsx examples/NAME.ts`) and return what it printed. */
function runExample(name: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], { cwd: root, encoding: 'utf8', timeout: 180_000 });
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
  it('01-autograd: hand-checked gradients, accumulation, a passing gradcheck and a spiral learned', () => {
    const out = runExample('01-autograd');
    expect(out).toContain('backward(): dL/da = -24, dL/db = 16, dL/dc = 8');
    expect(out).toContain('dy/dx = 7');
    expect(out).toContain('x.grad = 14 (7 + 7)');
    expect(numberAfter(out, 'worst error / tolerance = ')).toBeLessThan(1);
    expect(numberAfter(out, 'final training accuracy ')).toBeGreaterThan(90);
  });

  it('02-bert-forward: the Hugging Face checkpoint loads completely, the stages have their shapes, padding gets no attention', () => {
    const out = runExample('02-bert-forward');
    expect(out).toContain('missing: 0, unexpected: 0');
    expect(out).toMatch(/additive attention mask\s+\[2, 1, 1, 9\]/);
    expect(out).toMatch(/layer 1 attention probabilities\s+\[2, 4, 9, 9\]/);
    expect(out).toMatch(/MLM logits \(tied decoder\)\s+\[2, 9, 99\]/);
    expect(out).toContain('largest attention paid to a [PAD] key: 0; a row sums to 1.000000');
    const loss = out.match(/loss = MLM (\d+\.\d+) \+ NSP (\d+\.\d+) = (\d+\.\d+)/);
    expect(loss).not.toBeNull();
    expect(Number(loss![1]) + Number(loss![2])).toBeCloseTo(Number(loss![3]), 3);
  });

  it('03-wordpiece: a 1000-token vocabulary from the KJV, greedy longest-match splits, and a BERT pair input', () => {
    const out = runExample('03-wordpiece');
    expect(out).toContain('Training a WordPiece vocabulary of 1000 tokens');
    expect(out).toMatch(/t\s+\+ ##h\s+-> th/); // the first merge: the most frequent pair
    expect(out).toMatch(/begat\s+-> beg ##at/);
    expect(out).toMatch(/firmament\s+-> firm ##ament/); // bert-base-uncased's split
    expect(out).toMatch(/input id\s+101\s+2040\s+2081\s+1996\s+3813\s+24996\s+1029\s+102/);
    expect(out).toContain('decode: "who made the firmament? and god made the firmament."');
  });

  it('04-pretraining: masked instances with next-sentence labels, and a masked-LM loss that falls from chance', () => {
    const out = runExample('04-pretraining');
    expect(out).toMatch(/\[MASK\]\(->[^)]+\)/); // a masked token shown with the original to predict
    expect(out).toMatch(/next-sentence label: [01]/);
    const first = numberAfter(out, 'step  1: MLM loss ');
    const last = numberAfter(out, 'step 60: MLM loss ');
    expect(first).toBeGreaterThan(5.5); // ln 300 = 5.70 at chance
    expect(last).toBeLessThan(first - 1);
  });

  it('09-what-attention-sees (--quick, about 15 s): both pictures written and well-formed, a measured share per head', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { checkXml } = await import('../viz/xml.ts');
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/09-what-attention-sees.ts', '--quick'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
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
