import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { FileSd, parseTargetFile } from '../../src/discovery/file-sd';
import type { TargetGroup } from '../../src/config/types';

/** Writes atomically, as target files should be written: a temporary name, then a rename. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** Resolves with the first `update` whose groups satisfy `accept` (jest's timeout bounds the wait). */
function nextUpdate(sd: FileSd, accept: (groups: TargetGroup[]) => boolean): Promise<TargetGroup[]> {
  return new Promise((resolve) => {
    const listener = (groups: TargetGroup[]) => {
      if (!accept(groups)) return;
      sd.off('update', listener);
      resolve(groups);
    };
    sd.on('update', listener);
  });
}

const targetsOf = (groups: TargetGroup[]) => groups.flatMap((group) => group.targets).sort();

describe('parseTargetFile', () => {
  test('reads JSON and YAML target groups and labels them with their file', () => {
    const json = parseTargetFile('[{"targets": ["a:1", "b:2"], "labels": {"env": "prod"}}, {"targets": ["c:3"]}]', '/sd/x.json');
    expect(json).toEqual([
      { targets: ['a:1', 'b:2'], labels: { env: 'prod', __meta_filepath: '/sd/x.json' }, source: '/sd/x.json:0' },
      { targets: ['c:3'], labels: { __meta_filepath: '/sd/x.json' }, source: '/sd/x.json:1' },
    ]);
    const yaml = parseTargetFile('- targets:\n    - d:4\n  labels:\n    version: 1.10\n', '/sd/y.yml');
    expect(yaml).toEqual([{ targets: ['d:4'], labels: { version: '1.10', __meta_filepath: '/sd/y.yml' }, source: '/sd/y.yml:0' }]);
    expect(parseTargetFile('', '/sd/empty.yml')).toEqual([]);
  });

  test.each([
    ['- targets: [a:1]\n  lables: {x: y}\n', '/sd/t.yml:2: field "lables" not found in target group'],
    ['- targets: ["http://a:1"]\n', '/sd/t.yml:1: [0].targets[0]: "http://a:1" is not a valid hostname'],
    ['targets: [a:1]\n', '/sd/t.yml:1: expected a list of target groups'],
    ['- targets: [a:1\n', '/sd/t.yml:2: yaml: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  ])('refuses %j', (text, message) => {
    let error: unknown;
    try { parseTargetFile(text, '/sd/t.yml'); } catch (err) { error = err; }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')[0]).toBe(message);
  });
});

describe('FileSd with real files', () => {
  let dir: string;
  let sd: FileSd | undefined;
  beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'scrapewire-filesd-')); });
  afterEach(async () => {
    sd?.stop();
    sd = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  test('reads matching files at start, then sees changes, new files and deletions', async () => {
    await writeAtomically(path.join(dir, 'a.json'), JSON.stringify([{ targets: ['a:1'], labels: { team: 'x' } }]));
    await writeAtomically(path.join(dir, 'static.yml'), '- targets: [s:9]\n');
    await writeFile(path.join(dir, 'ignored.txt'), 'not a target file');
    sd = new FileSd({ files: [path.join(dir, '*.json'), path.join(dir, 'static.yml')], refresh_interval: 3_600_000 });

    const first = nextUpdate(sd, () => true);
    await sd.start();
    const initial = await first;
    expect(initial).toEqual([
      { targets: ['a:1'], labels: { team: 'x', __meta_filepath: path.join(dir, 'a.json') }, source: `${path.join(dir, 'a.json')}:0` },
      { targets: ['s:9'], labels: { __meta_filepath: path.join(dir, 'static.yml') }, source: `${path.join(dir, 'static.yml')}:0` },
    ]);
    expect(sd.groups).toEqual(initial);

    // A change to a watched file (the refresh timer is an hour away: this is the watcher).
    const changed = nextUpdate(sd, (groups) => targetsOf(groups).includes('a:2'));
    await writeAtomically(path.join(dir, 'a.json'), JSON.stringify([{ targets: ['a:1', 'a:2'] }]));
    expect(targetsOf(await changed)).toEqual(['a:1', 'a:2', 's:9']);

    // A new file matching the glob.
    const added = nextUpdate(sd, (groups) => targetsOf(groups).includes('b:1'));
    await writeAtomically(path.join(dir, 'b.json'), '[{"targets": ["b:1"]}]');
    expect(targetsOf(await added)).toEqual(['a:1', 'a:2', 'b:1', 's:9']);

    // A deleted file takes its groups with it.
    const removed = nextUpdate(sd, (groups) => !targetsOf(groups).includes('a:1'));
    await unlink(path.join(dir, 'a.json'));
    expect(targetsOf(await removed)).toEqual(['b:1', 's:9']);
  });

  test('a broken file is reported and its previous groups are kept until it is fixed', async () => {
    const file = path.join(dir, 't.yml');
    await writeAtomically(file, '- targets: [good:1]\n');
    sd = new FileSd({ files: [file], refresh_interval: 3_600_000 });
    await sd.start();
    expect(targetsOf(sd.groups)).toEqual(['good:1']);

    const reported = new Promise<ConfigError>((resolve) => sd!.once('fileError', resolve));
    await writeAtomically(file, '- targets: [good:1]\n  labels: {bad-name: x}\n');
    const error = await reported;
    expect(error.code).toBe('ERR_CONFIG');
    expect(error.message).toBe(`${file}:2: [0].labels: "bad-name" is not a valid label name`);
    expect(targetsOf(sd.groups)).toEqual(['good:1']);

    const fixed = nextUpdate(sd, (groups) => targetsOf(groups).includes('fixed:1'));
    await writeAtomically(file, '- targets: [fixed:1]\n');
    expect(targetsOf(await fixed)).toEqual(['fixed:1']);
  });

  test('without watching, the refresh interval alone picks up changes', async () => {
    const file = path.join(dir, 'r.json');
    await writeAtomically(file, '[{"targets": ["r:1"]}]');
    sd = new FileSd({ files: [file], refresh_interval: 20 }, { watch: false });
    await sd.start();
    expect(targetsOf(sd.groups)).toEqual(['r:1']);
    const changed = nextUpdate(sd, (groups) => targetsOf(groups).includes('r:2'));
    await writeAtomically(file, '[{"targets": ["r:2"]}]');
    expect(targetsOf(await changed)).toEqual(['r:2']);
  });

  test('a directory that does not exist yet yields no groups and no error', async () => {
    sd = new FileSd({ files: [path.join(dir, 'later', '*.json')], refresh_interval: 3_600_000 });
    const errors: unknown[] = [];
    sd.on('fileError', (err) => errors.push(err));
    const first = nextUpdate(sd, () => true);
    await sd.start();
    expect(await first).toEqual([]);
    expect(errors).toEqual([]);
  });
});
