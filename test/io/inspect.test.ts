import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatInspect, inspectCommand, inspectSummary } from '../../src/cli/commands/inspect.ts';
import { loadSafetensors } from '../../src/io/index.ts';
import { main } from '../../src/cli/main.ts';

const HF = join(import.meta.dirname, '../fixtures/hf');

describe('bert inspect', () => {
  afterEach(() => vi.restoreAllMocks());

  it('summarises a model file: count, parameters, metadata, one row per tensor and the total', () => {
    const text = formatInspect(loadSafetensors(join(HF, 'sequence-classification/model.safetensors')));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/model\.safetensors: 41 tensors, 20,077 parameters, 80,308 bytes of data, 4,304-byte header$/);
    expect(lines[1]).toBe('metadata: format="pt"');
    expect(lines[3]).toMatch(/^name +dtype +shape +params$/);
    expect(text).toMatch(/\nbert\.embeddings\.word_embeddings\.weight +F32 +\[99, 32\] +3,168\n/);
    expect(text).toMatch(/\nclassifier\.weight +F32 +\[3, 32\] +96\n/);
    expect(lines[lines.length - 1]).toMatch(/^total +20,077$/);
    expect(lines.length).toBe(4 + 41 + 1);
  });

  it('--stats adds min, max, mean and std; --filter keeps matching names', () => {
    const f = loadSafetensors(join(HF, 'pretraining/outputs.safetensors'));
    const s = inspectSummary(f, { stats: true, filter: 'attentions' });
    expect(s.tensors.map((t) => t.name)).toEqual(['attentions.0', 'attentions.1']);
    // softmax rows sum to 1 over 17 keys, so the mean of every attention tensor is 1/17
    expect(s.tensors[0].stats!.mean).toBeCloseTo(1 / 17, 6);
    expect(s.tensors[0].stats!.min).toBeGreaterThanOrEqual(0);
    expect(s.tensors[0].stats!.max).toBeLessThanOrEqual(1);
    expect(s.totalParams).toBe(2 * 3 * 4 * 17 * 17);
    expect(formatInspect(f, { filter: 'logits' })).toMatch(/: 2 of 7 tensors \(name contains "logits"\)/);
  });

  it('runs through the CLI: a model directory, --json, and errors with exit codes', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await main(['inspect', join(HF, 'pretraining'), '--json'])).toBe(0);
    const json = JSON.parse(log.mock.calls[0][0] as string);
    expect(json.metadata).toEqual({ format: 'pt' });
    expect(json.tensors).toHaveLength(46);
    expect(json.tensors.find((t: { name: string }) => t.name === 'bert.embeddings.word_embeddings.weight').shape).toEqual([99, 32]);

    expect(await main(['inspect', join(HF, 'pretraining/case.json')])).toBe(1);
    expect(err.mock.calls.at(-1)![0]).toMatch(/case\.json: header length is \d+ bytes but only \d+ bytes follow/);
    expect(await main(['inspect'])).toBe(2);
    expect(err.mock.calls.at(-1)![0]).toMatch(/expected a safetensors file or model directory, got none/);
    expect(inspectCommand.name).toBe('inspect');
  });
});
