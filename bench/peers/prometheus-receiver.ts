/**
 * The receiver of the native-histogram scenario: Prometheus (Debian 2.42) with its remote-write
 * receiver and native histograms on, one fresh instance per agent run (VictoriaMetrics, the
 * other scenarios' receiver, does not take native histograms). Same two questions as
 * BenchVictoriaMetrics (bench/peers/receiver.ts):
 * - samplesReceived: the raw samples of the page series in the window, float values and
 *   histograms alike (a range-vector query; stale markers are not returned by it);
 * - seriesDigests: the label sets of /api/v1/series as digests.
 */
import { request } from 'undici';
import { Prometheus } from '../../test/helpers/receivers';
import { labelSetDigest } from './receiver';

export class BenchPrometheusReceiver extends Prometheus {
  constructor() {
    super({ features: ['native-histograms'] });
  }

  private async get(pathAndQuery: string): Promise<unknown> {
    const res = await request(`${this.baseUrl}${pathAndQuery}`, { headersTimeout: 300_000, bodyTimeout: 300_000 });
    const body = (await res.body.json()) as { status: string; data: unknown; error?: string };
    if (res.statusCode !== 200 || body.status !== 'success') throw new Error(`GET ${pathAndQuery.slice(0, 200)}: ${res.statusCode} ${body.error ?? ''}`);
    return body.data;
  }

  /** Samples (floats and histograms) of `selector` with timestamps in (atMs - windowMs, atMs]. */
  async samplesReceived(selector: string, atMs: number, windowMs: number): Promise<number> {
    const expr = `${selector}[${Math.ceil(windowMs / 1000)}s]`;
    const data = (await this.get(`/api/v1/query?query=${encodeURIComponent(expr)}&time=${(atMs / 1000).toFixed(3)}`)) as {
      result: Array<{ values?: unknown[]; histograms?: unknown[] }>;
    };
    return data.result.reduce((sum, series) => sum + (series.values?.length ?? 0) + (series.histograms?.length ?? 0), 0);
  }

  async seriesDigests(selector: string, startMs: number, endMs: number, exclude: readonly string[] = []): Promise<Set<string>> {
    const data = (await this.get(`/api/v1/series?match[]=${encodeURIComponent(selector)}&start=${Math.floor(startMs / 1000)}&end=${Math.ceil(endMs / 1000)}`)) as Array<Record<string, string>>;
    return new Set(data.map((metric) => labelSetDigest(metric, exclude)));
  }
}
