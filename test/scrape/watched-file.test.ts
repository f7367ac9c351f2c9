import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ScrapewireError } from '../../src/errors';
import { WatchedFile } from '../../src/scrape/watched-file';

describe('WatchedFile', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'scrapewire-watched-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file again only when it changed', async () => {
    const path = join(dir, 'token');
    writeFileSync(path, 'aaaa\n');
    const file = new WatchedFile(path, 'bearerTokenFile');
    expect(await file.readTrimmed()).toBe('aaaa');
    expect(await file.readTrimmed()).toBe('aaaa');
    expect(file.generation).toBe(1);
    writeFileSync(path, 'bbbb\n');
    expect(await file.readTrimmed()).toBe('bbbb');
    expect(file.generation).toBe(2);
  });

  it('names the field and path, not the contents, when it cannot read', async () => {
    const file = new WatchedFile(join(dir, 'absent'), 'basicAuth.passwordFile');
    const err = await file.read('http://127.0.0.1:9/m').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScrapewireError);
    expect((err as ScrapewireError).code).toBe('ERR_CONFIG');
    expect((err as ScrapewireError).message).toBe(
      `http://127.0.0.1:9/m: unable to read basicAuth.passwordFile ${JSON.stringify(join(dir, 'absent'))}: ENOENT`,
    );
  });
});
