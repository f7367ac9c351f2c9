/**
 * Reading back what a real VictoriaMetrics received (/api/v1/export: every raw sample), keyed
 * the way the tests compare it: one entry per series, its samples sorted by timestamp, repeated
 * deliveries of the same sample (remote write is at-least-once) counted once, and Prometheus
 * staleness markers (NaN, when the receiver keeps them) left out.
 */
import type { VictoriaMetrics } from '../../helpers/receivers';

export interface StoredSeries {
  labels: Record<string, string>;
  /** Distinct (timestamp, value) samples, oldest first; NaN values left out. */
  samples: Array<{ t: number; v: number }>;
}

export async function storedSeries(vm: VictoriaMetrics, selector: string): Promise<StoredSeries[]> {
  const exported = await vm.exportSeries(selector);
  return exported.map((series) => {
    const seen = new Map<number, number>();
    series.timestamps.forEach((t, i) => {
      const v = series.values[i];
      if (typeof v === 'number' && Number.isFinite(v)) seen.set(t, v);
    });
    return { labels: series.metric, samples: [...seen].map(([t, v]) => ({ t, v })).sort((a, b) => a.t - b.t) };
  });
}

/** The one series matching `selector`, or undefined; throws when there are several. */
export async function oneSeries(vm: VictoriaMetrics, selector: string): Promise<StoredSeries | undefined> {
  const all = await storedSeries(vm, selector);
  if (all.length > 1) throw new Error(`${selector}: ${all.length} series, expected one: ${JSON.stringify(all.map((s) => s.labels))}`);
  return all[0];
}

/** The distinct values of a series, sorted ascending. */
export function valuesOf(series: StoredSeries | undefined): number[] {
  return [...new Set((series?.samples ?? []).map((s) => s.v))].sort((a, b) => a - b);
}

/** 1..n */
export function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** The smallest and largest distance between consecutive timestamps, in ms (0 for < 2 samples). */
export function gaps(series: StoredSeries | undefined): { smallest: number; largest: number } {
  const times = (series?.samples ?? []).map((s) => s.t);
  if (times.length < 2) return { smallest: 0, largest: 0 };
  let smallest = Infinity;
  let largest = 0;
  for (let i = 1; i < times.length; i++) {
    smallest = Math.min(smallest, times[i] - times[i - 1]);
    largest = Math.max(largest, times[i] - times[i - 1]);
  }
  return { smallest, largest };
}
