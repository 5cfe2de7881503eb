import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire } from './channel-codec';
import { smoothEma } from './contract-smoothing';
import { ContractError, parseCommandArgs, parseEventPayload } from './schemas';

describe('argument validation', () => {
  it('names the command and the field that is wrong', () => {
    expect(() => parseCommandArgs('getSeries', ['I3D', [], { maxPoints: 100, x: 'step' }])).toThrow(
      /getSeries: invalid argument metrics/,
    );
    expect(() =>
      parseCommandArgs('getSeries', [
        'I3D',
        ['loss'],
        { maxPoints: 100, x: 'step', range: { from: 5, to: 1 } },
      ]),
    ).toThrow(/options\.range/);
    expect(() => parseCommandArgs('openMirror', [42])).toThrow(ContractError);
    expect(() => parseCommandArgs('reloadConfig', ['extra'])).toThrow(/reloadConfig: expected 0 argument/);
  });

  it('accepts well-formed arguments', () => {
    expect(parseCommandArgs('snooze', [null, 3_600_000])).toEqual([null, 3_600_000]);
  });

  it('validates pushed payloads too', () => {
    expect(() =>
      parseEventPayload('progress', { worker: 'I3D', rule: 'r', bytes: 1, percent: 140, rate: 1, eta: null }),
    ).toThrow(/progress: invalid payload percent/);
  });
});

describe('wire encoding', () => {
  it('keeps NaN and infinities, and leaves the string "NaN" a string', () => {
    const back = decodeWire(encodeWire({ a: Number.NaN, b: [Number.NEGATIVE_INFINITY, 1], c: 'NaN' })) as {
      a: number;
      b: number[];
      c: string;
    };
    expect(back.a).toBeNaN();
    expect(back.b).toEqual([Number.NEGATIVE_INFINITY, 1]);
    expect(back.c).toBe('NaN');
  });
});

describe('EMA smoothing (TensorBoard style)', () => {
  it('is debiased: the first value is the first raw value, not pulled towards zero', () => {
    const out = smoothEma([10, 20, 30], 0.6);
    expect(out[0]).toBeCloseTo(10);
    // TensorBoard: last = 0.6*4 + 0.4*20 = 10.4, debias 1-0.36 = 0.64 → 16.25
    expect(out[1]).toBeCloseTo(16.25);
  });

  it('returns the raw values for weight 0 and leaves gaps as gaps', () => {
    expect(smoothEma([1, null, 3], 0)).toEqual([1, null, 3]);
    const out = smoothEma([1, null, Number.NaN, 3], 0.5);
    expect(out[1]).toBeNull();
    expect(out[2]).toBeNaN();
    expect(out[3]).toBeCloseTo((0.25 * 1 + 0.5 * 3) / 0.75);
  });

  it('leaves a constant series exactly constant', () => {
    expect(smoothEma([0.1, 0.1, 0.1], 0.9)).toEqual([0.1, 0.1, 0.1]);
  });
});
