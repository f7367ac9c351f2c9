/**
 * A writer process SIGKILLed while its receiver is down loses nothing it had persisted: a new
 * process on the same storage directory delivers all of it once the receiver is back.
 * The stated bound (send-queue.ts) is the requests held in memory only; the child waits until
 * that number is 0 before reporting, so here the expected loss is exactly 0.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { VictoriaMetrics } from '../helpers/receivers';

const REQUESTS = 300;
const PER_REQUEST = 20;

function runChild(script: string, args: string[], until: RegExp): Promise<{ line: string; kill: () => Promise<void> }> {
  // The bundled child finds neither the .proto files nor the core's module (which compresses) by its own path.
  const env = {
    ...process.env,
    SCRAPEWIRE_PROMPB_DIR: path.resolve(__dirname, '../fixtures/remote-write/prometheus/prompb'),
    SCRAPEWIRE_WASM: path.resolve(__dirname, '../../build/release.wasm'),
  };
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const match = until.exec(out);
      if (match) resolve({ line: match[0], kill: async () => { child.kill('SIGKILL'); await exited; } });
    });
    child.once('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) before ${until}: ${out}\n${err}`)));
  });
}

describe('SIGKILL while the receiver is down', () => {
  const vm = new VictoriaMetrics();
  let tmp: string;
  let script: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-kill-'));
    script = path.join(tmp, 'child.js');
    buildSync({ entryPoints: [path.join(__dirname, 'child-writer.ts')], bundle: true, platform: 'node', target: 'node20', outfile: script, logLevel: 'error' });
  });
  afterAll(async () => {
    await vm.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a restarted process delivers every request the killed one accepted', async () => {
    const storage = path.join(tmp, 'storage');
    const baseTs = Date.now() - 3 * 60 * 60 * 1000; // 6000 samples 1 s apart must all lie in the past for export
    await vm.start();
    const url = vm.writeUrl;
    await vm.stop(); // same port later; nothing listens now

    const accepted = await runChild(script, ['accept', url, storage, String(REQUESTS), String(PER_REQUEST), String(baseTs)], /ACCEPTED (\d+) (\d+)\n/);
    expect(accepted.line).toBe(`ACCEPTED ${REQUESTS} 0\n`);
    await accepted.kill();
    const segments = fs.readdirSync(path.join(storage, 'kill')).filter((f) => f.endsWith('.seg'));
    expect(segments.length).toBeGreaterThan(0);

    await vm.start();
    const drained = await runChild(script, ['drain', url, storage], /DRAINED (\d+)\n/);
    expect(drained.line).toBe(`DRAINED ${REQUESTS * PER_REQUEST}\n`);
    await drained.kill();

    const series = await vm.exportSeries('sw_sigkill_total');
    expect(series).toHaveLength(1);
    const values = [...new Set(series[0].values)].sort((a, b) => a - b);
    expect(values).toEqual(Array.from({ length: REQUESTS * PER_REQUEST }, (_, i) => i));
    expect(fs.readdirSync(path.join(storage, 'kill')).filter((f) => f.endsWith('.seg'))).toEqual([]);
  });
});
