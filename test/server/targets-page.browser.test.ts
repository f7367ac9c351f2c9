/**
 * Drives /targets in headless Chromium: the server-rendered page, and its in-place refresh from
 * /api/v1/targets under the page's Content-Security-Policy. Needs /usr/bin/chromium (Debian's
 * `chromium` package, which .ci/run installs).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { startServer, type RunningServer } from '../../src/server';
import { formatSeconds } from '../../src/server/format';
import { FakeTargets, target } from './fake-targets';

const CHROMIUM = '/usr/bin/chromium';
// The page refreshes every 5 s; allow a few refreshes on a loaded machine.
const REFRESH_WAIT_MS = 20_000;

const APP_URL = 'http://10.0.0.1:8080/metrics';
const KUBELET_URL = 'https://10.0.0.2:10250/metrics';
const KUBELET_ERROR = 'server returned HTTP status 401 Unauthorized: <b>token expired</b>';

function initialTargets() {
  return [
    target({ job: 'app', scrapeUrl: APP_URL, labels: { instance: '10.0.0.1:8080', job: 'app' } }),
    target({
      job: 'kubelet',
      scrapeUrl: KUBELET_URL,
      labels: { instance: '10.0.0.2:10250', job: 'kubelet' },
      health: 'down',
      lastError: KUBELET_ERROR,
      seriesCount: undefined,
    }),
  ];
}

describe('/targets in a browser', () => {
  let browser: Browser;
  let server: RunningServer;
  const targets = new FakeTargets();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: this test needs it. .ci/run installs it; locally run ` +
          '`apt-get install -y chromium`.',
      );
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    server = await startServer({
      listenAddress: '127.0.0.1:0',
      registry: new Registry(),
      targets,
      control: { ready: () => true, reload: async () => {} },
      enableDebug: false,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(() => {
    targets.list = initialTargets();
  });

  const row = (page: Page, url: string) => page.locator('tr.target', { hasText: url });

  test('without JavaScript, a failing target shows its error and a red "down"', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const res = await page.goto(`http://${server.address}/targets`);
      expect(res?.status()).toBe(200);
      const kubelet = row(page, KUBELET_URL);
      expect(await kubelet.locator('.health').textContent()).toBe('down');
      expect(await kubelet.locator('.error').textContent()).toBe(KUBELET_ERROR);
      // The stylesheet is allowed by the CSP: down is red, up is green.
      const colour = (selector: string) => page.locator(selector).first().evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(await colour('.health-down')).toBe('rgb(198, 40, 40)');
      expect(await colour('.health-up')).toBe('rgb(46, 125, 50)');
      expect(await row(page, APP_URL).locator('.health').textContent()).toBe('up');
      expect(await page.locator('section.pool h2').allTextContents()).toEqual(['app (1/1 up)', 'kubelet (0/1 up)']);
    } finally {
      await context.close();
    }
  });

  test('the page updates in place when the targets change', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`http://${server.address}/targets`);
      const kubelet = row(page, KUBELET_URL);
      expect(await kubelet.locator('.health').textContent()).toBe('down');
      expect(await kubelet.locator('.error').textContent()).toBe(KUBELET_ERROR);

      // A reload would lose this; an in-place update keeps it.
      await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same document'));
      targets.list = [
        target({ job: 'app', scrapeUrl: APP_URL, labels: { instance: '10.0.0.1:8080', job: 'app' }, health: 'down', lastError: 'connection refused' }),
        target({
          job: 'kubelet',
          scrapeUrl: KUBELET_URL,
          labels: { instance: '10.0.0.2:10250', job: 'kubelet' },
          health: 'up',
          lastError: '',
          lastScrape: new Date(),
          lastScrapeDurationSeconds: 0.25,
          seriesCount: 4321,
        }),
      ];
      await page.waitForFunction(
        (url) => [...document.querySelectorAll('tr.target')].some((tr) => tr.textContent!.includes(url) && tr.querySelector('.health')!.textContent === 'up'),
        KUBELET_URL,
        { timeout: REFRESH_WAIT_MS },
      );
      expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same document');
      expect(await kubelet.locator('.error').textContent()).toBe('');
      expect(await kubelet.locator('.health').getAttribute('class')).toBe('health health-up');
      expect(await kubelet.locator('.duration').textContent()).toBe(formatSeconds(0.25));
      expect(await kubelet.locator('.series').textContent()).toBe('4321');
      expect(await kubelet.locator('time').textContent()).toMatch(/^\d+\.\ds ago$/);
      const app = row(page, APP_URL);
      expect(await app.locator('.health').textContent()).toBe('down');
      expect(await app.locator('.error').textContent()).toBe('connection refused');
      expect(await page.locator('section.pool h2').allTextContents()).toEqual(['app (0/1 up)', 'kubelet (1/1 up)']);
      expect(await page.locator('#summary').textContent()).toBe('2 targets, 1 up.');
      expect(await page.locator('#refresh-status').textContent()).toMatch(/^Updated /);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('a new target makes the page reload and show it', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://${server.address}/targets`);
      expect(await page.locator('tr.target').count()).toBe(2);
      const added = 'http://10.0.0.3:8080/metrics';
      targets.list = [
        ...initialTargets(),
        target({ job: 'app', scrapeUrl: added, labels: { instance: '10.0.0.3:8080', job: 'app' }, health: 'unknown', lastScrape: undefined }),
      ];
      await row(page, added).waitFor({ timeout: REFRESH_WAIT_MS });
      expect(await row(page, added).locator('.health').textContent()).toBe('unknown');
      expect(await row(page, added).locator('time').textContent()).toBe('never');
      expect(await page.locator('section.pool h2').allTextContents()).toEqual(['app (1/2 up)', 'kubelet (0/1 up)']);
    } finally {
      await context.close();
    }
  });
});
