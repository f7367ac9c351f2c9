/** A TargetProvider over plain objects the test changes at will (the server reads it per request). */
import type { TargetProvider, TargetStatus } from '../../src/server';

export class FakeTargets implements TargetProvider {
  constructor(public list: TargetStatus[] = []) {}

  targets(): TargetStatus[] {
    return this.list;
  }
}

export function target(overrides: Partial<TargetStatus> = {}): TargetStatus {
  return {
    job: 'node',
    scrapeUrl: 'http://10.0.0.1:9100/metrics',
    labels: { instance: '10.0.0.1:9100', job: 'node' },
    discoveredLabels: { __address__: '10.0.0.1:9100', __metrics_path__: '/metrics', __scheme__: 'http', job: 'node' },
    health: 'up',
    lastScrape: new Date('2026-05-25T18:00:01.123Z'),
    lastScrapeDurationSeconds: 0.0043,
    seriesCount: 812,
    scrapeIntervalSeconds: 1,
    scrapeTimeoutSeconds: 1,
    ...overrides,
  };
}
