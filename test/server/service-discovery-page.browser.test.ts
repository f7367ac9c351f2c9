/**
 * Drives /service-discovery in headless Chromium: the server-rendered page (discovered labels
 * beside target labels or "dropped"), its style under the page's Content-Security-Policy, the
 * refresh script agreeing with the server (no reload while nothing changed), and a reload that
 * shows a target relabeling now drops. Needs /usr/bin/chromium (Debian's `chromium` package,
 * which .ci/run installs).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { Registry } from 'prom-client';
import { startServer, type RunningServer } from '../../src/server';
import { droppedTargetStatus } from '../../src/server/targets-api';
import { FakeTargets, target } from './fake-targets';

const CHROMIUM = '/usr/bin/chromium';
// The page asks the API every 5 s; allow a few rounds on a loaded machine.
const REFRESH_WAIT_MS = 20_000;

const SHOP = { __address__: '10.1.0.5:8080', __meta_kubernetes_namespace: 'shop', __meta_kubernetes_pod_name: 'shop-1', job: 'kubernetes-pods' };
const QUIET = { __address__: '10.1.0.6:8080', __meta_kubernetes_namespace: 'shop', __meta_kubernetes_pod_name: 'quiet-0', job: 'kubernetes-pods' };
const SHOP_LABELS = { instance: '10.1.0.5:8080', job: 'kubernetes-pods', namespace: 'shop', pod: 'shop-1' };

function initialTargets() {
  return [
    target({ job: 'kubernetes-pods', scrapeUrl: 'http://10.1.0.5:8080/metrics', discoveredLabels: SHOP, labels: SHOP_LABELS }),
    droppedTargetStatus('kubernetes-pods', QUIET, 1),
  ];
}

describe('/service-discovery in a browser', () => {
  let browser: Browser;
  let server: RunningServer;
  const targets = new FakeTargets();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: this test needs it. .ci/run installs it; locally run \`apt-get install -y chromium\`.`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
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

  test('without JavaScript: discovered labels beside target labels, and the dropped pod marked', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const res = await page.goto(`http://${server.address}/service-discovery`);
      expect(res?.status()).toBe(200);
      expect(await page.locator('section.pool h2').allTextContents()).toEqual(['kubernetes-pods (1 active / 1 dropped)']);
      const rows = page.locator('tr.discovered');
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).locator('td.discovered-labels .label').allTextContents()).toEqual(
        Object.entries(SHOP).map(([name, value]) => `${name}="${value}"`),
      );
      expect(await rows.nth(0).locator('td.target-labels .label').allTextContents()).toEqual(
        Object.entries(SHOP_LABELS).map(([name, value]) => `${name}="${value}"`),
      );
      expect(await rows.nth(1).locator('td.target-labels').textContent()).toBe('dropped');
      // The stylesheet is allowed by the CSP: the dropped badge is grey, labels have their background.
      expect(await page.locator('.dropped').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(117, 117, 117)');
      expect(await page.locator('.label').first().evaluate((el) => getComputedStyle(el).fontFamily)).toContain('monospace');
      // The two pages link to each other.
      await page.locator('nav a', { hasText: 'Targets' }).click();
      expect(new URL(page.url()).pathname).toBe('/targets');
      expect(await page.locator('nav a', { hasText: 'Service discovery' }).getAttribute('href')).toBe('service-discovery');
    } finally {
      await context.close();
    }
  });

  test('the refresh keeps the page while nothing changed, and reloads it when relabeling now drops a target', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`http://${server.address}/service-discovery`);
      await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same document'));
      // The script's key matches the server's: it updates the status instead of reloading.
      await page.waitForFunction(() => /^Updated /.test(document.getElementById('refresh-status')!.textContent ?? ''), undefined, { timeout: REFRESH_WAIT_MS });
      expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same document');

      targets.list = [droppedTargetStatus('kubernetes-pods', SHOP, 2), droppedTargetStatus('kubernetes-pods', QUIET)];
      await page.waitForFunction(() => document.querySelectorAll('tr.is-dropped').length === 2, undefined, { timeout: REFRESH_WAIT_MS });
      expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBeUndefined();
      expect(await page.locator('section.pool h2').allTextContents()).toEqual(['kubernetes-pods (0 active / 2 dropped)']);
      expect(await page.locator('#summary').textContent()).toBe('0 active, 2 dropped.');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
