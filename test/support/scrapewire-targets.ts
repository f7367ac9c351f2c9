/**
 * scrapewire's side of the discovery tests: the collector, in this process, loading a config
 * file and serving /api/v1/targets on a free loopback port, read back as a client would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { Collector, type CollectorOptions } from '../../src/collector/collector';
import type { TargetsApiResponse } from '../../src/server/targets-api';

export class ScrapewireUnderTest {
  private constructor(readonly collector: Collector, private readonly dir: string, readonly warnings: string[]) {}

  static async start(config: string, options: Partial<CollectorOptions> = {}): Promise<ScrapewireUnderTest> {
    const dir = mkdtempSync(join(tmpdir(), 'scrapewire-sd-'));
    const configFile = join(dir, 'scrapewire.yml');
    writeFileSync(configFile, config);
    const warnings: string[] = [];
    const logger = {
      debug() {}, info() {}, error() {},
      warn: (obj: object, msg?: string) => { warnings.push(`${msg ?? ''} ${JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`); },
    };
    const collector = await Collector.start({ configFile, listenAddress: '127.0.0.1:0', logger, ...options });
    return new ScrapewireUnderTest(collector, dir, warnings);
  }

  async targets(query = ''): Promise<TargetsApiResponse['data']> {
    const res = await request(`http://${this.collector.address}/api/v1/targets${query}`);
    return ((await res.body.json()) as TargetsApiResponse).data;
  }

  async stop(): Promise<void> {
    await this.collector.stop(0);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
