/**
 * Seeded fuzzing of the core: mutations of the fixtures and random bytes, fed in random chunks
 * to long-lived cores in both formats. Every input must end in a summary or a ScrapewireError;
 * anything else (a trap, another exception, a hang, a core that stops working) is a finding.
 * Used by test/fuzz/fuzz.test.ts (a few thousand cases) and `npm run fuzz` (a million).
 */
import { readFileSync } from 'node:fs';
import { Core, ScrapewireError, type ExpositionFormat } from '../../src/core';
import { openMetricsCases, openMetricsPayloads, readOpenMetricsCase, textPayloads } from '../helpers/fixtures';
import { RW1, RW2 } from '../../src/remote-write-protocol';

/** xorshift32: small, seeded, reproducible. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

export function loadCorpus(maxBytes = 64 * 1024): Uint8Array[] {
  const corpus: Uint8Array[] = [];
  for (const f of [...textPayloads(), ...openMetricsPayloads()]) {
    const bytes = readFileSync(f.path);
    corpus.push(new Uint8Array(bytes.subarray(0, Math.min(bytes.length, maxBytes))));
  }
  for (const c of openMetricsCases()) corpus.push(readOpenMetricsCase(c));
  return corpus;
}

const INTERESTING = Buffer.from('{}",=\\ \n#\t"0.e+-InfNaN_le quantile EOF HELP TYPE UNIT\xff\xc3');

export function mutate(random: Random, corpus: Uint8Array[]): Uint8Array {
  if (random.below(20) === 0) {
    const out = new Uint8Array(random.below(2048));
    for (let i = 0; i < out.length; i++) out[i] = random.below(4) === 0 ? INTERESTING[random.below(INTERESTING.length)] : random.below(256);
    return out;
  }
  const base = corpus[random.below(corpus.length)];
  const bytes = Array.from(base);
  const edits = 1 + random.below(8);
  for (let e = 0; e < edits && bytes.length > 0; e++) {
    const at = random.below(bytes.length);
    switch (random.below(6)) {
      case 0: bytes[at] ^= 1 << random.below(8); break;
      case 1: bytes.splice(at, 1 + random.below(16)); break;
      case 2: bytes.splice(at, 0, INTERESTING[random.below(INTERESTING.length)]); break;
      case 3: bytes[at] = random.below(256); break;
      case 4: {
        const from = random.below(bytes.length);
        bytes.splice(at, 0, ...bytes.slice(from, from + random.below(64)));
        break;
      }
      default: {
        const other = corpus[random.below(corpus.length)];
        const from = random.below(Math.max(1, other.length));
        bytes.splice(at, 0, ...other.subarray(from, from + random.below(256)));
      }
    }
  }
  return Uint8Array.from(bytes);
}

export interface FuzzStats {
  cases: number;
  parsed: number;
  rejected: number;
}

/** Runs `cases` fuzz cases from `seed`; throws on the first finding with the input attached. */
export async function fuzz(seed: number, cases: number, corpus = loadCorpus()): Promise<FuzzStats> {
  const random = new Random(seed);
  const cores: Record<ExpositionFormat | 'openmetrics-syntax', Core> = {
    text: Core.create({ maxLineBytes: 4096, evictAfterScrapes: 3 }),
    openmetrics: Core.create({ maxLineBytes: 4096, evictAfterScrapes: 3 }),
    'openmetrics-syntax': Core.create({ maxLineBytes: 4096, evictAfterScrapes: 3, openMetricsValidation: 'syntax' }),
  };
  const stats: FuzzStats = { cases: 0, parsed: 0, rejected: 0 };
  for (let i = 0; i < cases; i++) {
    const input = mutate(random, corpus);
    const format: ExpositionFormat = random.below(2) === 0 ? 'text' : 'openmetrics';
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < input.length; ) {
      const n = 1 + random.below(random.below(4) === 0 ? 8 : 4096);
      chunks.push(input.subarray(at, at + n));
      at += n;
    }
    const core = format === 'openmetrics' && random.below(2) === 0 ? cores['openmetrics-syntax'] : cores[format];
    try {
      await core.scrape(chunks, { format, timestampMs: 1_700_000_000_000 + i });
      core.encode(random.below(2) === 0 ? RW1 : RW2, { maxSamplesPerRequest: 1 + random.below(1000), compress: random.below(2) === 0 }, () => undefined);
      stats.parsed++;
    } catch (err) {
      if (!(err instanceof ScrapewireError) || err.code === 'ERR_CORE_TRAP' || err.code === 'ERR_CORE_STATE') {
        const finding = new Error(`fuzz finding (seed ${seed}, case ${i}, ${format}): ${String(err)}\ninput (base64): ${Buffer.from(input).toString('base64')}`);
        throw Object.assign(finding, { cause: err });
      }
      stats.rejected++;
    }
    stats.cases++;
  }
  return stats;
}
