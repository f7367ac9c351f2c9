/**
 * remote_write's send_native_histograms: read per endpoint (default false, as Prometheus), the
 * remote writer takes histograms when its endpoints do, and endpoints that disagree are refused
 * (a scrape is encoded once for every endpoint, as with write_relabel_configs).
 */
import { parseConfig } from '../../src/config/load';
import { ScrapewireError } from '../../src/errors';
import { sendingLabelsOf } from '../../src/scrape/scrape-manager';

const endpoint = (url: string, extra = '') => `  - url: ${url}\n${extra}`;

test('send_exemplars defaults to false, is read per endpoint, and endpoints must agree', () => {
  const config = parseConfig(`remote_write:\n${endpoint('http://127.0.0.1:1/w', '    send_exemplars: true\n')}${endpoint('http://127.0.0.1:2/w')}`, 'c.yml');
  expect(config.remote_write.map((rw) => rw.send_exemplars)).toEqual([true, false]);
  expect(() => sendingLabelsOf(config)).toThrow('every endpoint must have the same send_exemplars');
});

test('send_native_histograms defaults to false and is read per endpoint', () => {
  const config = parseConfig(`remote_write:\n${endpoint('http://127.0.0.1:1/w')}${endpoint('http://127.0.0.1:2/w', '    send_native_histograms: true\n')}`, 'c.yml');
  expect(config.remote_write.map((rw) => rw.send_native_histograms)).toEqual([false, true]);
  expect(() => sendingLabelsOf(config)).toThrow(ScrapewireError);
  expect(() => sendingLabelsOf(config)).toThrow('every endpoint must have the same send_native_histograms');
  const agreeing = parseConfig(`remote_write:\n${endpoint('http://127.0.0.1:1/w', '    send_native_histograms: true\n')}`, 'c.yml');
  expect(() => sendingLabelsOf(agreeing)).not.toThrow();
});
