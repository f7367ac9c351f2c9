/**
 * The Accept header against a real Prometheus: the installed binary (Debian's `prometheus`)
 * scrapes a loopback server that records what it sends.
 *
 * scrape_protocols arrived in Prometheus 2.49, and the header took its Prometheus 3 form (the
 * `escaping` parameter on the 1.0.0 text formats only) in 3.5. With a binary at 3.5 or later,
 * every configuration below is run through both and the headers must be equal. Debian's 2.42
 * predates both: its promtool refuses scrape_protocols, and it sends its fixed header (asserted
 * below from its source, scrape/scrape.go `scrapeAcceptHeader` at v2.42.0). The Prometheus 3
 * values are then checked against Prometheus's own test expectations in negotiation.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../src/config/load';
import { acceptHeaderFor, negotiationOptions } from '../../src/scrape/negotiation';
import { PROMETHEUS_BIN, Prometheus, requireBinary } from '../helpers/receivers';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';

jest.setTimeout(60_000);

const PROMTOOL_BIN = path.join(path.dirname(PROMETHEUS_BIN), 'promtool');

/** Job settings to compare (YAML lines inside a scrape_config). */
const CASES: Array<[string, string[]]> = [
  ['the defaults', []],
  ['text 0.0.4 only', ['scrape_protocols: [PrometheusText0.0.4]']],
  ['UTF-8 text first, names escaped with underscores', [
    'scrape_protocols: [PrometheusText1.0.0, OpenMetricsText1.0.0, OpenMetricsText0.0.1]', 'metric_name_escaping_scheme: underscores']],
];

function prometheusVersion(): [number, number] {
  const output = execFileSync(PROMETHEUS_BIN, ['--version'], { encoding: 'utf8' });
  const match = /version (\d+)\.(\d+)\./.exec(output);
  if (match === null) throw new Error(`cannot read the version of ${PROMETHEUS_BIN}: ${output}`);
  return [Number(match[1]), Number(match[2])];
}

function configText(host: string, jobLines: string[]): string {
  return [
    'global: {scrape_interval: 1s, scrape_timeout: 1s}',
    'scrape_configs:',
    '  - job_name: probe',
    `    static_configs: [{targets: ['${host}']}]`,
    ...jobLines.map((line) => `    ${line}`),
  ].join('\n') + '\n';
}

let server: LoopbackServer;
let dir: string;
beforeAll(async () => {
  requireBinary(PROMETHEUS_BIN);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-accept-'));
  server = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('m 1\n');
  });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs Prometheus with `config` until it has scraped the server once; returns the Accept it sent. */
async function acceptSentByPrometheus(config: string): Promise<string> {
  const seenBefore = server.requests.length;
  const prometheus = await new Prometheus({ config }).start();
  try {
    const deadline = Date.now() + 30_000;
    while (server.requests.length === seenBefore) {
      if (prometheus.exited) throw new Error(`prometheus exited:\n${prometheus.output}`);
      if (Date.now() > deadline) throw new Error(`prometheus did not scrape within 30 s:\n${prometheus.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return String(server.requests[seenBefore].headers.accept);
  } finally {
    await prometheus.destroy();
  }
}

function scrapewireAccept(config: string): string {
  return acceptHeaderFor(negotiationOptions(parseConfig(config, 'c.yml').scrape_configs[0]));
}

const [major, minor] = fs.existsSync(PROMETHEUS_BIN) ? prometheusVersion() : [0, 0];
const comparable = major > 3 || (major === 3 && minor >= 5);

(comparable ? describe : describe.skip)(`Prometheus ${major}.${minor} sends the same Accept as scrapewire`, () => {
  test.each(CASES)('%s', async (_name, jobLines) => {
    const config = configText(new URL(server.origin).host, jobLines);
    expect(scrapewireAccept(config)).toBe(await acceptSentByPrometheus(config));
  });
});

(comparable ? describe.skip : describe)(`Prometheus ${major}.${minor} predates scrape_protocols: no differential is possible`, () => {
  test('its promtool refuses scrape_protocols, so the Prometheus 3 values come from Prometheus\'s source', () => {
    const config = path.join(dir, 'protocols.yml');
    fs.writeFileSync(config, configText(new URL(server.origin).host, CASES[1][1]));
    const check = spawnSync(PROMTOOL_BIN, ['check', 'config', config], { encoding: 'utf8' });
    expect(check.status).not.toBe(0);
    expect(check.stdout + check.stderr).toContain('field scrape_protocols not found in type config.ScrapeConfig');
  });

  test('it sends its fixed pre-2.49 header, which scrapewire does not imitate', async () => {
    const config = configText(new URL(server.origin).host, []);
    const sent = await acceptSentByPrometheus(config);
    expect(sent).toBe('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,'
      + 'text/plain;version=0.0.4;q=0.5,*/*;q=0.1');
    expect(scrapewireAccept(config)).not.toBe(sent);
  });
});
