/** The emitter's exposition text goes through the core unchanged in meaning: escapes, specials, grouping. */
import { Core } from '../../src/core/core';
import { CollectingEmitter } from '../../src/plugins/emitter';
import { parseReference } from '../reference/parser';

describe('CollectingEmitter', () => {
  test('renders families grouped, escaped and parseable, with special values', async () => {
    const emit = new CollectingEmitter('p');
    emit.sample('b_total', { path: 'C:\\dir "x"\nnext' }, 1.5);
    emit.sample('a', {}, NaN);
    emit.family('b_total', 'counter', 'Help with \\ and\nnewline.');
    emit.sample('b_total', { path: 'y', empty: '' }, Infinity, 1_700_000_000_000);
    emit.sample('a', { k: 'v' }, -Infinity);
    const text = emit.render();
    const parsed = parseReference(text, 'text');
    expect(parsed.families.map((f) => [f.name, f.type, f.help])).toEqual([
      ['b_total', 'counter', 'Help with \\ and\nnewline.'],
      ['a', 'unknown', undefined],
    ]);
    expect(parsed.samples.map((s) => [s.labels, s.value, s.timestampMs])).toEqual([
      [[['__name__', 'b_total'], ['path', 'C:\\dir "x"\nnext']], 1.5, undefined],
      [[['__name__', 'b_total'], ['path', 'y']], Infinity, 1_700_000_000_000],
      [[['__name__', 'a']], NaN, undefined],
      [[['__name__', 'a'], ['k', 'v']], -Infinity, undefined],
    ]);
    const summary = await Core.create().scrape([Buffer.from(text)], { format: 'text', timestampMs: 1 });
    expect(summary.samples).toBe(4);
  });

  test('invalid names, reserved labels and late emits are plugin errors', () => {
    const emit = new CollectingEmitter('p');
    expect(() => emit.sample('1bad', {}, 1)).toThrow(/plugin p: invalid metric name "1bad"/);
    expect(() => emit.sample('ok', { __name__: 'x' }, 1)).toThrow(/invalid label name "__name__"/);
    expect(() => emit.sample('ok', { 'bad-label': 'x' }, 1)).toThrow(/invalid label name/);
    emit.family('ok', 'gauge');
    expect(() => emit.family('ok', 'gauge')).toThrow(/described twice/);
    emit.seal();
    expect(() => emit.sample('ok', {}, 1)).toThrow(expect.objectContaining({ code: 'ERR_PLUGIN' }));
  });
});
