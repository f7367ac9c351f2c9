/**
 * A process's resident memory by region, from /proc/PID/smaps: what the idle baseline is made of
 * (bench/idle-rss.bench.ts, BENCH_IDLE_SMAPS=1).
 *
 * Anonymous mappings carry no name, so they are told apart by their shape:
 *   - WebAssembly memory: a read-write mapping followed by an inaccessible one of 1 GiB or more
 *     (V8 reserves 8-10 GiB per 32-bit memory and makes only its current size accessible);
 *   - malloc's thread arenas: a mapping that starts on a 64 MiB boundary, read-write then
 *     inaccessible, 64 MiB in all (glibc's HEAP_MAX_SIZE on 64-bit);
 *   - thread stacks: a read-write mapping of 8 MiB or more right after a one-page inaccessible guard;
 *   - the rest ("V8 heap and other mmap"): V8's heap pages and code space, and malloc's own
 *     mmap()ed blocks of 128 KiB and more.
 * [heap] is malloc's main arena (brk). File-backed pages are split into the node binary, shared
 * libraries and other files.
 */
import * as fs from 'node:fs';

export type SmapsRegion =
  | 'node binary'
  | 'shared libraries'
  | 'other files'
  | 'malloc main arena ([heap])'
  | 'malloc thread arenas'
  | 'WebAssembly memory'
  | 'thread stacks'
  | 'main stack'
  | 'V8 heap and other mmap';

export const SMAPS_REGIONS: readonly SmapsRegion[] = [
  'node binary',
  'shared libraries',
  'other files',
  'V8 heap and other mmap',
  'malloc main arena ([heap])',
  'malloc thread arenas',
  'WebAssembly memory',
  'thread stacks',
  'main stack',
];

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  name: string;
  rssKb: number;
}

const MiB64 = 64n * 1024n * 1024n;
const GiB = 1024n * 1024n * 1024n;

function parse(text: string): Mapping[] {
  const out: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of text.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = { start: BigInt(`0x${header[1]}`), end: BigInt(`0x${header[2]}`), perms: header[3], name: header[4].trim(), rssKb: 0 };
      out.push(current);
      continue;
    }
    if (current && line.startsWith('Rss:')) current.rssKb = Number(line.split(/\s+/)[1]);
  }
  return out;
}

/** Resident KiB per region of process `pid` (whose executable is `executable`), or undefined if it is gone. */
export function smapsByRegion(pid: number, executable: string): Map<SmapsRegion, number> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/smaps`, 'latin1');
  } catch {
    return undefined;
  }
  let exe = executable;
  try {
    exe = fs.realpathSync(executable);
  } catch {
    // keep the name as given
  }
  const maps = parse(text);
  const totals = new Map<SmapsRegion, number>(SMAPS_REGIONS.map((r) => [r, 0]));
  const add = (region: SmapsRegion, kb: number): void => { totals.set(region, totals.get(region)! + kb); };
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    if (m.rssKb === 0) continue;
    if (m.name === exe) add('node binary', m.rssKb);
    else if (m.name === '[heap]') add('malloc main arena ([heap])', m.rssKb);
    else if (m.name === '[stack]') add('main stack', m.rssKb);
    else if (m.name.startsWith('/')) add(/\.so(\.|$)/.test(m.name) ? 'shared libraries' : 'other files', m.rssKb);
    else if (m.name !== '') add('V8 heap and other mmap', m.rssKb); // [vvar], [vdso], ...
    else {
      const next = maps[i + 1];
      const prev = maps[i - 1];
      const followedByNone = next !== undefined && next.start === m.end && next.perms.startsWith('---') && next.name === '';
      if (followedByNone && next.end - next.start >= GiB) add('WebAssembly memory', m.rssKb);
      else if (followedByNone && m.start % MiB64 === 0n && next.end - m.start === MiB64) add('malloc thread arenas', m.rssKb);
      else if (m.start % MiB64 === 0n && m.end - m.start === MiB64 && m.perms.startsWith('rw')) add('malloc thread arenas', m.rssKb);
      else if (prev !== undefined && prev.end === m.start && prev.perms.startsWith('---') && prev.end - prev.start === 4096n && m.end - m.start >= 8n * 1024n * 1024n - 4096n) add('thread stacks', m.rssKb);
      else add('V8 heap and other mmap', m.rssKb);
    }
  }
  return totals;
}
