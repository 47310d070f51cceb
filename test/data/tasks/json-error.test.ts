import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonErrorPosition } from '../../../src/data/tasks/json-error.ts';

const parses = (t: string) => {
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
};

describe('jsonErrorPosition', () => {
  it('points at the first wrong character', () => {
    expect(jsonErrorPosition('{"a": [1, 2,]}')).toBe(12);
    expect(jsonErrorPosition('{"a": 1,\n}')).toBe(9);
    expect(jsonErrorPosition('[1] x')).toBe(4);
    expect(jsonErrorPosition('"abc')).toBe(4);
    expect(jsonErrorPosition('{"a": tru}')).toBe(9);
    expect(jsonErrorPosition('01')).toBe(1);
    expect(jsonErrorPosition('"\\x"')).toBe(2);
    expect(jsonErrorPosition('')).toBe(0);
    expect(jsonErrorPosition(' {"a": [1e5, -0.5, "\\u00e9", null, true, false, {}]} ')).toBe(-1);
    expect(jsonErrorPosition('9'.repeat(1000))).toBe(-1);
  });

  it('agrees with JSON.parse on valid JSON and on mutated JSON', () => {
    fc.assert(
      fc.property(fc.json(), (t) => {
        expect(jsonErrorPosition(t)).toBe(-1);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\n', '0', '-', '\\'), (t, at, insert) => {
        const k = at % (t.length + 1);
        const m = t.slice(0, k) + insert + t.slice(k + 1);
        expect(jsonErrorPosition(m) === -1).toBe(parses(m));
      }),
      { numRuns: 1000 },
    );
  });
});
