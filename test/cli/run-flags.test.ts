/**
 * `scrapewire run`'s flags: the node-local flags of the second pipeline are gone and say what
 * replaces them; --root-path (or ROOT_PATH) reaches discovery's in-cluster settings on its own.
 */
import { parseRunFlags } from '../../src/cli/run';
import { ScrapewireError } from '../../src/errors';

describe('parseRunFlags', () => {
  test.each([
    ['--node-ip=10.0.0.1', /--node-ip was removed: write \$\{NODE_IP\} in the configuration/],
    ['--kube-state-url=http://ksm:8080/metrics', /--kube-state-url was removed: scrape kube-state-metrics with a job of its own/],
    ['--enabled-plugins=.+', /--enabled-plugins was removed: set plugins\.enabled in the configuration/],
  ])('%s is refused with what replaces it', (flag, message) => {
    let error: unknown;
    try {
      parseRunFlags([flag], {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ScrapewireError);
    expect((error as ScrapewireError).code).toBe('ERR_USAGE');
    expect((error as ScrapewireError).message).toMatch(message);
  });

  test('--root-path, or ROOT_PATH without it, with no other flag needed', () => {
    expect(parseRunFlags(['--root-path=/host'], {}).rootPath).toBe('/host');
    expect(parseRunFlags([], { ROOT_PATH: '/rootfs' }).rootPath).toBe('/rootfs');
    expect(parseRunFlags(['--root-path=/host'], { ROOT_PATH: '/rootfs' }).rootPath).toBe('/host');
    expect(parseRunFlags([], {}).rootPath).toBeUndefined();
  });

  test('--scrape.max-concurrent-fetches: 256 by default, 0 for no limit, a non-negative integer', () => {
    expect(parseRunFlags([], {}).maxConcurrentFetches).toBe(256);
    expect(parseRunFlags(['--scrape.max-concurrent-fetches=32'], {}).maxConcurrentFetches).toBe(32);
    expect(parseRunFlags(['--scrape.max-concurrent-fetches=0'], {}).maxConcurrentFetches).toBe(0);
    expect(() => parseRunFlags(['--scrape.max-concurrent-fetches=-1'], {})).toThrow(/--scrape.max-concurrent-fetches must be a non-negative integer/);
  });
});
