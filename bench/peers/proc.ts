/**
 * Memory and CPU of a process tree from /proc (Linux only), for the whole-process comparison.
 *
 * - RSS: VmRSS of /proc/<pid>/status, summed over the process and its live descendants.
 * - CPU: utime + stime of /proc/<pid>/stat (fields 14 and 15) plus cutime + cstime (reaped
 *   children), plus utime + stime of live descendants, in seconds (clock ticks / CLK_TCK).
 *
 * ProcessSampler polls every `intervalMs` (100 ms) with a bounded number of samples, refreshing
 * the list of descendants every 10th poll; it never throws once the process is gone, it just
 * stops collecting.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

let clockTicks: number | undefined;

/** CLK_TCK from getconf (100 on every Linux seen); 100 when getconf is unavailable. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const run = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const value = run.status === 0 ? Number(run.stdout.trim()) : NaN;
    clockTicks = Number.isFinite(value) && value > 0 ? value : 100;
  }
  return clockTicks;
}

/** VmRSS of one process in bytes, or undefined when it is gone (or a zombie, which has none). */
export function readRssBytes(pid: number): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}

interface StatFields {
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses). */
function readStat(pid: number): StatFields | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const end = text.lastIndexOf(')');
  if (end < 0) return undefined;
  // After ") ": state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17); index 0 here is field 3.
  const fields = text.slice(end + 2).trim().split(/\s+/);
  return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]), cutime: Number(fields[13]), cstime: Number(fields[14]) };
}

/** CPU seconds of one process (its own plus reaped children's), or undefined when it is gone. */
export function readCpuSeconds(pid: number): number | undefined {
  const stat = readStat(pid);
  if (!stat) return undefined;
  return (stat.utime + stat.stime + stat.cutime + stat.cstime) / clockTicksPerSecond();
}

/** Live descendants of `pid` (children, grandchildren, ...), found by scanning /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) parentOf.set(Number(entry), stat.ppid);
  }
  const found: number[] = [];
  const frontier = [pid];
  for (let guard = 0; frontier.length > 0 && guard < 100_000; guard++) {
    const parent = frontier.pop()!;
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(child);
        frontier.push(child);
      }
    }
  }
  return found;
}

/** RSS in bytes of `pid` and its live descendants; undefined when `pid` is gone. */
export function treeRssBytes(pid: number, children: readonly number[] = []): number | undefined {
  const own = readRssBytes(pid);
  if (own === undefined) return undefined;
  let total = own;
  for (const child of children) total += readRssBytes(child) ?? 0;
  return total;
}

/** CPU seconds of `pid` and its live descendants; undefined when `pid` is gone. */
export function treeCpuSeconds(pid: number, children: readonly number[] = []): number | undefined {
  const own = readCpuSeconds(pid);
  if (own === undefined) return undefined;
  let total = own;
  for (const child of children) {
    const stat = readStat(child);
    if (stat) total += (stat.utime + stat.stime) / clockTicksPerSecond();
  }
  return total;
}

export interface RssSample {
  /** Date.now() of the reading. */
  at: number;
  rssBytes: number;
}

export interface SamplerOptions {
  /** Default 100 ms. */
  intervalMs?: number;
  /** Stop after this many samples. Default 36,000 (an hour at 100 ms). */
  maxSamples?: number;
  /** Include descendants. Default true. */
  includeChildren?: boolean;
}

export class ProcessSampler {
  readonly samples: RssSample[] = [];
  private timer?: NodeJS.Timeout;
  private children: number[] = [];
  private polls = 0;
  private readonly intervalMs: number;
  private readonly maxSamples: number;
  private readonly includeChildren: boolean;

  constructor(readonly pid: number, options: SamplerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxSamples = options.maxSamples ?? 36_000;
    this.includeChildren = options.includeChildren ?? true;
  }

  start(): this {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One reading now (also used by start()); returns it, or undefined when the process is gone. */
  poll(): RssSample | undefined {
    if (this.samples.length >= this.maxSamples) {
      this.stop();
      return undefined;
    }
    if (this.includeChildren && this.polls++ % 10 === 0) this.children = descendants(this.pid);
    const rss = treeRssBytes(this.pid, this.children);
    if (rss === undefined) return undefined;
    const sample = { at: Date.now(), rssBytes: rss };
    this.samples.push(sample);
    return sample;
  }

  /** CPU seconds of the tree now. */
  cpuSeconds(): number | undefined {
    return treeCpuSeconds(this.pid, this.includeChildren ? this.children : []);
  }

  /** Peak RSS over samples taken in [from, to] (all samples by default). */
  peakRss(from = -Infinity, to = Infinity): number {
    let peak = 0;
    for (const s of this.samples) if (s.at >= from && s.at <= to && s.rssBytes > peak) peak = s.rssBytes;
    return peak;
  }

  /** Mean RSS over samples taken in [from, to]. */
  averageRss(from = -Infinity, to = Infinity): number {
    let sum = 0;
    let n = 0;
    for (const s of this.samples) {
      if (s.at >= from && s.at <= to) {
        sum += s.rssBytes;
        n++;
      }
    }
    return n === 0 ? 0 : sum / n;
  }
}
