/**
 * Target and external labels merged in the core (Core.setTargetLabels) against the JS path
 * (SeriesLabeler alone): the same labels for every series, honor_labels on and off, collisions
 * with target labels (exported_), external labels only where the name is free.
 */
import { Core, type Label } from '../../src/core';
import { SeriesLabeler } from '../../src/scrape/series-labels';
import { rowsFromRw1 } from '../helpers/core-harness';
import { RW1 } from '../../src/remote-write-protocol';

const PAGE = Buffer.from([
  'plain{a="1"} 1',
  'no_labels 2',
  'has_job{job="scraped",z="9"} 3',
  'has_instance{instance="other"} 4',
  'has_exported{job="x",exported_job="y"} 5',
  'has_cluster{cluster="mine"} 6',
  'sorts_first{A="upper"} 7',
  'sorts_between{inz="1",jo="2",k="3"} 8',
  'long_value{v="' + 'x'.repeat(300) + '"} 9',
].join('\n') + '\n');

const TARGET: Label[] = [['instance', '10.0.0.1:9100'], ['job', 'node']];
const EXTERNAL: Label[] = [['cluster', 'prod'], ['region', 'eu']];

async function rows(inCore: boolean, honorLabels: boolean): Promise<{ rows: unknown[]; asked: number }> {
  const labeler = new SeriesLabeler({ targetLabels: TARGET, honorLabels, externalLabels: EXTERNAL, limits: { labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0 } });
  let asked = 0;
  const resolve = (batch: Parameters<typeof labeler.resolve>[0]) => {
    asked += batch.length;
    return labeler.resolve(batch);
  };
  const core = Core.create();
  if (inCore) core.setTargetLabels(TARGET, EXTERNAL, honorLabels);
  await core.scrape([PAGE], { format: 'text', timestampMs: 1 }, resolve);
  // A second scrape: the decisions stick either way.
  await core.scrape([PAGE], { format: 'text', timestampMs: 2 }, resolve);
  const requests: Uint8Array[] = [];
  core.encode(RW1, {}, (r) => requests.push(r.slice()));
  return { rows: rowsFromRw1(requests), asked };
}

test.each([false, true])('the core merges target and external labels as the JS path does (honor_labels %s)', async (honorLabels) => {
  const js = await rows(false, honorLabels);
  const core = await rows(true, honorLabels);
  expect(core.rows).toEqual(js.rows);
  expect(js.asked).toBe(9);
  // Only the series whose labels collide with a target label reach JS (none with honor_labels).
  expect(core.asked).toBe(honorLabels ? 0 : 3);
});

test('a rebuilt core keeps merging, and an empty call turns it off', async () => {
  const core = Core.create();
  core.setTargetLabels(TARGET, EXTERNAL);
  core.rebuild();
  const asked: Label[][] = [];
  await core.scrape([Buffer.from('m{a="1"} 1\n')], { format: 'text', timestampMs: 1 }, (batch) => {
    asked.push(...batch.map((s) => s.labels));
    return batch.map(() => ({ action: 'keep' as const }));
  });
  expect(asked).toHaveLength(0);
  expect(core.labelsOf(core.snapshot().refs[0])).toEqual([['__name__', 'm'], ['a', '1'], ['cluster', 'prod'], ['instance', '10.0.0.1:9100'], ['job', 'node'], ['region', 'eu']]);
  core.setTargetLabels([]);
  await core.scrape([Buffer.from('n 1\n')], { format: 'text', timestampMs: 2 }, (batch) => {
    asked.push(...batch.map((s) => s.labels));
    return batch.map(() => ({ action: 'keep' as const }));
  });
  expect(asked).toEqual([[['__name__', 'n']]]);
  expect(() => core.setTargetLabels([['job', '']])).toThrow(/empty values/);
});
