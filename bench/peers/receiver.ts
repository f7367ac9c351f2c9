/**
 * The receiver of the whole-process comparison: VictoriaMetrics single-node on loopback (the
 * test helper's, with query limits raised for pages of hundreds of thousands of series), one
 * fresh instance per agent run so counts are the agent's alone.
 *
 * - samplesReceived: sum(count_over_time(<page series>[window])) at one instant; VictoriaMetrics
 *   drops Prometheus stale markers (NaN) before count_over_time, so markers written when series
 *   churn or when the target stops answering are not counted as samples.
 * - seriesDigests: the label sets of /api/v1/series, each reduced to a 16-hex-digit SHA-1 of its
 *   sorted labels without the excluded (agent-specific) ones, so sets can be compared across
 *   agents without keeping the label sets.
 *
 * "Page series" excludes the series every agent adds per target (up, scrape_*), which differ
 * between agents by design.
 */
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { VictoriaMetrics } from '../../test/helpers/receivers';

export const AUTO_SERIES = /^(up|scrape_.*)$/;

export function pageSelector(job: string): string {
  return `{job=${JSON.stringify(job)},__name__!~"up|scrape_.*"}`;
}

/** Digest of a label set, ignoring `exclude`; labels sorted by name. */
export function labelSetDigest(metric: Record<string, string>, exclude: readonly string[] = []): string {
  const names = Object.keys(metric).filter((n) => !exclude.includes(n)).sort();
  const hash = createHash('sha1');
  for (const name of names) hash.update(`${name}\u0000${metric[name]}\u0001`);
  return hash.digest('hex').slice(0, 16);
}

/** How many members of `a` are missing from `b` and vice versa. */
export function setDifference(a: ReadonlySet<string>, b: ReadonlySet<string>): { onlyA: number; onlyB: number } {
  let onlyA = 0;
  let onlyB = 0;
  for (const x of a) if (!b.has(x)) onlyA++;
  for (const x of b) if (!a.has(x)) onlyB++;
  return { onlyA, onlyB };
}

export class BenchVictoriaMetrics extends VictoriaMetrics {
  protected args(): string[] {
    return [
      ...super.args(),
      // Samples are otherwise invisible to queries for 30 s after ingestion.
      '-search.latencyOffset=0s',
      '-search.maxUniqueTimeseries=20000000',
      '-search.maxSeries=20000000',
      '-search.maxQueryDuration=300s',
      '-search.maxSamplesPerQuery=5000000000',
      '-maxLabelsPerTimeseries=100',
      '-maxInsertRequestSize=512MB',
    ];
  }

  private async get(pathAndQuery: string, timeoutMs = 300_000): Promise<string> {
    const res = await request(`${this.baseUrl}${pathAndQuery}`, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`GET ${pathAndQuery.slice(0, 200)}: ${res.statusCode} ${text.slice(0, 500)}`);
    return text;
  }

  /** Non-stale samples of `selector` with timestamps in (atMs - windowMs, atMs]. */
  async samplesReceived(selector: string, atMs: number, windowMs: number): Promise<number> {
    await this.flush();
    const expr = `sum(count_over_time(${selector}[${Math.ceil(windowMs / 1000)}s]))`;
    const text = await this.get(`/api/v1/query?query=${encodeURIComponent(expr)}&time=${(atMs / 1000).toFixed(3)}`);
    const body = JSON.parse(text) as { status: string; data: { result: Array<{ value: [number, string] }> } };
    if (body.status !== 'success') throw new Error(`query ${expr}: ${text.slice(0, 500)}`);
    return body.data.result.length === 0 ? 0 : Number(body.data.result[0].value[1]);
  }

  /** Digests of every series matching `selector` between startMs and endMs. */
  async seriesDigests(selector: string, startMs: number, endMs: number, exclude: readonly string[] = []): Promise<Set<string>> {
    await this.flush();
    const text = await this.get(`/api/v1/series?match[]=${encodeURIComponent(selector)}&start=${Math.floor(startMs / 1000)}&end=${Math.ceil(endMs / 1000)}`);
    const body = JSON.parse(text) as { status: string; data: Array<Record<string, string>> };
    if (body.status !== 'success') throw new Error(`series ${selector}: ${text.slice(0, 500)}`);
    const digests = new Set<string>();
    for (const metric of body.data) digests.add(labelSetDigest(metric, exclude));
    return digests;
  }
}
