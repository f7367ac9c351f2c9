import { version } from '../helpers/package-version';
import { createSelfMetricsRegistry } from '../../src/server/self-metrics';

describe('createSelfMetricsRegistry', () => {
  test('has the standard process and nodejs metrics and scrapewire_build_info', async () => {
    const text = await createSelfMetricsRegistry().metrics();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).not.toMatch(/^scrapewire_(process|nodejs)_/m);
    expect(text).toContain(`scrapewire_build_info{version="${version}"} 1`);
  });

  test('takes the version it is given, and each registry is independent', async () => {
    const a = createSelfMetricsRegistry({ version: '9.9.9-test' });
    const b = createSelfMetricsRegistry();
    expect(await a.metrics()).toContain('scrapewire_build_info{version="9.9.9-test"} 1');
    expect(await b.metrics()).not.toContain('9.9.9-test');
  });
});
