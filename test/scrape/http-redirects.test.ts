/**
 * follow_redirects, both ways, as Prometheus has it: by default a scrape follows up to 10
 * redirects (Go's client), dropping credentials on the way to another origin; with
 * `follow_redirects: false` a 3xx is a failed scrape whose error says what happened. Real HTTP
 * servers on loopback; the config path is checked from a configuration file through the target
 * builder into the scraper.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load';
import { ScrapewireError } from '../../src/errors';
import { HttpScraper } from '../../src/scrape/http-scraper';
import type { HttpTargetOptions } from '../../src/scrape/http-target-options';
import { buildTargets } from '../../src/scrape/target-labels';
import { compileRelabelConfigs } from '../../src/relabel';
import { tempDir } from '../e2e/support/config';
import { startHttpServer, type Handler, type LoopbackServer } from './support/loopback-server';

const SAMPLE = 'up_and_running 1\n';

const servers: LoopbackServer[] = [];
const scrapers: HttpScraper[] = [];
const dir = tempDir('redirects');
afterEach(async () => {
  await Promise.all(scrapers.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => dir.remove());

async function serve(handler: Handler): Promise<LoopbackServer> {
  const server = await startHttpServer(handler);
  servers.push(server);
  return server;
}

function scraper(options: HttpTargetOptions): HttpScraper {
  const s = new HttpScraper(options);
  scrapers.push(s);
  return s;
}

async function body(s: HttpScraper): Promise<string> {
  const res = await s.scrape();
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

async function failure(s: HttpScraper): Promise<ScrapewireError> {
  try {
    const res = await s.scrape();
    res.discard();
  } catch (err) {
    expect(err).toBeInstanceOf(ScrapewireError);
    return err as ScrapewireError;
  }
  throw new Error('the scrape did not fail');
}

/** Redirects /old (and /loop) and serves /metrics. */
const redirecting = (location: (req: { url?: string }) => string): Handler => (req, res) => {
  if (req.url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(SAMPLE);
    return;
  }
  res.writeHead(302, { location: location(req) });
  res.end();
};

describe('follow_redirects true (the default)', () => {
  it('follows to another origin without sending the credentials there', async () => {
    const other = await serve(redirecting(() => '/metrics'));
    const first = await serve(redirecting(() => `${other.origin}/metrics`));
    const s = scraper({ url: `${first.origin}/old`, scrapeTimeoutMs: 5000, bearerToken: 'secret-token' });
    expect(await body(s)).toBe(SAMPLE);
    expect(first.requests.map((r) => [r.url, r.headers.authorization])).toEqual([['/old', 'Bearer secret-token']]);
    expect(other.requests.map((r) => [r.url, r.headers.authorization])).toEqual([['/metrics', undefined]]);
  });

  it('gives up after 10 redirects with a failed scrape', async () => {
    let hops = 0;
    const server = await serve(redirecting(() => `/hop${++hops}`));
    const err = await failure(scraper({ url: `${server.origin}/hop0`, scrapeTimeoutMs: 5000 }));
    expect(err.code).toBe('ERR_HTTP_STATUS');
    expect(err.detail).toBe(`server returned HTTP status 302 Found: redirect to ${server.origin}/hop11 not followed (stopped after 10 redirects)`);
    expect(server.requests).toHaveLength(11);
  });
});

describe('follow_redirects false', () => {
  it('does not follow: the 3xx fails the scrape, naming the status and the location without its query', async () => {
    const server = await serve(redirecting(() => '/metrics?token=abc'));
    const err = await failure(scraper({ url: `${server.origin}/old`, scrapeTimeoutMs: 5000, followRedirects: false }));
    expect(err.code).toBe('ERR_HTTP_STATUS');
    expect(err.target).toBe(`${server.origin}/old`);
    expect(err.detail).toBe(`server returned HTTP status 302 Found: redirect to ${server.origin}/metrics not followed (follow_redirects is false)`);
    expect(err.message).not.toContain('abc');
    expect(server.requests.map((r) => r.url)).toEqual(['/old']);
  });

  it('still scrapes a target that does not redirect, on the same connection every time', async () => {
    const server = await serve(redirecting(() => '/elsewhere'));
    const s = scraper({ url: `${server.origin}/metrics`, scrapeTimeoutMs: 5000, followRedirects: false });
    expect(await body(s)).toBe(SAMPLE);
    expect(await body(s)).toBe(SAMPLE);
    expect(server.connections).toBe(1);
  });
});

describe('follow_redirects from a configuration file', () => {
  it('reaches the scraper: false refuses the redirect, absent and true follow it', async () => {
    const server = await serve(redirecting(() => '/metrics'));
    const address = server.origin.replace('http://', '');
    const file = join(dir.path, 'prometheus.yml');
    writeFileSync(file, [
      'scrape_configs:',
      ...['absent', 'true', 'false'].flatMap((setting) => [
        `  - job_name: ${setting}`,
        '    metrics_path: /old',
        ...(setting === 'absent' ? [] : [`    follow_redirects: ${setting}`]),
        `    static_configs: [{targets: ['${address}']}]`,
      ]),
      '',
    ].join('\n'));
    const config = await loadConfigFile(file);
    const outcomes: Record<string, string> = {};
    for (const job of config.scrape_configs) {
      const built = buildTargets(job, job.static_configs, { relabel: compileRelabelConfigs(job.relabel_configs) });
      expect(built.errors).toEqual([]);
      const s = scraper(built.specs[0].http);
      try {
        outcomes[job.job_name] = await body(s);
      } catch (err) {
        outcomes[job.job_name] = (err as ScrapewireError).detail;
      }
    }
    expect(outcomes).toEqual({
      absent: SAMPLE,
      true: SAMPLE,
      false: `server returned HTTP status 302 Found: redirect to ${server.origin}/metrics not followed (follow_redirects is false)`,
    });
  });

  it('is refused when it is not a boolean', async () => {
    const file = join(dir.path, 'bad.yml');
    writeFileSync(file, "scrape_configs:\n  - job_name: j\n    follow_redirects: sometimes\n    static_configs: [{targets: ['127.0.0.1:9']}]\n");
    await expect(loadConfigFile(file)).rejects.toThrow(`${file}:3: scrape_configs[0].follow_redirects:`);
  });
});
