/**
 * The real collector process and the endpoints that need a flag: /-/reload and /-/quit answer
 * 403 without --web.enable-lifecycle (and nothing happens); with it, /-/quit stops the process
 * gracefully (exit code 0); --web.enable-debug on an address that is not loopback, without
 * authentication in --web.config.file, refuses to start with a message saying why; and the sink
 * is not mounted when a --config.file is given.
 */
import { join } from 'node:path';
import { request } from 'undici';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from '../e2e/support/collector-process';
import { tempDir, writeConfig } from '../e2e/support/config';
import { TargetServer } from '../e2e/support/target-server';

describe('flag-gated endpoints of the real collector', () => {
  const dir = tempDir('hostile-lifecycle');
  let target: TargetServer;
  let configFile = '';
  const collectors: CollectorProcess[] = [];

  beforeAll(async () => {
    target = await TargetServer.start();
    configFile = join(dir.path, 'scrapewire.yml');
    // Remote write to a port nothing listens on: these tests look only at the web server.
    writeConfig(configFile, { jobs: [{ name: 'normal', targets: [target.address] }], remoteWriteUrl: 'http://127.0.0.1:9/api/v1/write' });
  });

  afterAll(async () => {
    await killAllCollectors();
    await target?.close();
    dir.remove();
  });

  const post = async (collector: CollectorProcess, path: string): Promise<{ status: number; body: string }> => {
    const res = await request(`${collector.url}${path}`, { method: 'POST' });
    return { status: res.statusCode, body: await res.body.text() };
  };

  it('without --web.enable-lifecycle: 403, no reload, no stop; no sink with a --config.file', () => withCollectorOutput(() => collectors, async () => {
    const collector = await CollectorProcess.start({ configFile, storagePath: join(dir.path, 'storage-a') });
    collectors.push(collector);
    expect(await post(collector, '/-/reload')).toEqual({ status: 403, body: 'Lifecycle API is not enabled.\n' });
    expect(await post(collector, '/-/quit')).toEqual({ status: 403, body: 'Lifecycle API is not enabled.\n' });
    for (const path of ['/sink', '/demo/metrics']) expect((await collector.get(path)).status).toBe(404);
    expect((await post(collector, '/api/v1/write')).status).toBe(404);
    expect((await collector.get('/-/healthy')).status).toBe(200);
    expect(collector.isRunning).toBe(true);
    await collector.stop();
  }), 60_000);

  it('with --web.enable-lifecycle: POST /-/quit answers, then the process stops with exit code 0', () => withCollectorOutput(() => collectors, async () => {
    const collector = await CollectorProcess.start({ configFile, storagePath: join(dir.path, 'storage-b'), args: ['--web.enable-lifecycle', '--shutdown.deadline=1'] });
    collectors.push(collector);
    expect(await post(collector, '/-/quit')).toEqual({ status: 200, body: 'Requesting termination... Goodbye!\n' });
    expect(await collector.exited).toEqual({ code: 0, signal: null });
  }), 60_000);

  it('--web.enable-debug on every interface without authentication refuses to start, saying why', async () => {
    const attempt = CollectorProcess.start({ configFile, storagePath: join(dir.path, 'storage-c'), listenAddress: '0.0.0.0:0', args: ['--web.enable-debug'] });
    await expect(attempt).rejects.toThrow(/collector exited \(2\) before it was running:[\s\S]*--web\.enable-debug on 0\.0\.0\.0:0, which is not a loopback address, needs authentication/);
  }, 60_000);
});
