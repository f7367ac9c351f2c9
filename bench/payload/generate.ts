/**
 * Deterministic exposition pages of a requested size, streamed as chunks, for benchmarks and
 * the loopback target server.
 *
 *   node dist/bench/payload/generate.js --kind cadvisor --size 100MB --seed 1 [--scrape K --churn 5] > page.txt
 *
 * Kinds: `cadvisor` (container_* families, timestamps, Go 'g' floats), `kube-state-metrics`
 * (kube_pod_*, many labels, mostly 0/1), `application` (histograms, summaries, counters).
 * Sizes accept B, KB/MB/GB (powers of 1000) and KiB/MiB/GiB (powers of 1024).
 *
 * How a page reaches its size without being held in memory: the same units (containers, pods,
 * label sets) repeat across every family, so the driver renders a handful of units to learn the
 * bytes per unit, takes slightly fewer units than that predicts, and lets the last family run on
 * with further units until the page reaches the size. The page then ends after the first
 * complete unit at or past the size (a few KB over at most; a histogram is never cut).
 * Only the units' identities (a few hundred bytes each) and one chunk are held at a time.
 *
 * Churn: with `churnPercent` p, unit i's generation at scrape k is floor(k * p/100 + phase_i),
 * phase_i spread evenly over [0, 1) by the golden ratio. Between two consecutive scrapes almost
 * exactly p% of the units (and so about p% of the series) move to a new generation, which gives
 * them new labels: new series appear and the old ones go stale. Values differ on every scrape.
 *
 * Pages are ASCII only, so a string's length is its size in bytes.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ScrapewireError } from '../../src/errors';
import { applicationModel } from './application';
import { cadvisorModel } from './cadvisor';
import { kubeStateMetricsModel } from './kube-state-metrics';
import { PageModel, PageWriter } from './model';
import { Rng, hashWords } from './prng';

export type PayloadKind = 'cadvisor' | 'kube-state-metrics' | 'application';

export const PAYLOAD_KINDS: readonly PayloadKind[] = ['cadvisor', 'kube-state-metrics', 'application'];

export interface PayloadOptions {
  kind: PayloadKind;
  /** Target size of the page in bytes; the page ends within a few KB past it. */
  sizeBytes: number;
  /** Default 1. */
  seed?: number;
  /** Which scrape of the target this page is (values and churn depend on it). Default 0. */
  scrape?: number;
  /** Percentage of units (and so of series) renamed from one scrape to the next. Default 0. */
  churnPercent?: number;
  /** Size of each yielded chunk but the last. Default 64 KiB. */
  chunkBytes?: number;
}

export interface PayloadStats {
  /** Bytes of the page. */
  bytes: number;
  /** Sample lines of the page. */
  samples: number;
  /** Units (containers, pods, label sets) rendered in the first family. */
  units: number;
}

/** The timestamp of scrape `k` in ms: 15 s apart from a fixed start, so pages are reproducible. */
export function scrapeTimestampMs(scrape: number): number {
  return 1_700_000_000_000 + scrape * 15_000;
}

const MODELS: Record<PayloadKind, PageModel<unknown>> = {
  cadvisor: cadvisorModel as PageModel<unknown>,
  'kube-state-metrics': kubeStateMetricsModel as PageModel<unknown>,
  application: applicationModel as PageModel<unknown>,
};

/** Distinct salts keep the kinds' streams apart for one seed. */
const KIND_SALT: Record<PayloadKind, number> = { cadvisor: 0xca, 'kube-state-metrics': 0x45, application: 0xa9 };
const PURPOSE_VALUES = 0x76616c75;
const PURPOSE_PHASE = 0x70686173;
const PURPOSE_ESTIMATE = 0x65737469;
/**
 * Units rendered to learn the bytes per unit: units vary (a pod-level cgroup has network
 * series, an application container disk series), and with 32 the estimate for cadvisor came
 * out 5% high, cutting the last three families. 256 cost ~25 ms of rendering.
 */
const ESTIMATE_UNITS = 256;
/** Take this share of the predicted units: the last family makes up the difference. */
const ESTIMATE_MARGIN = 0.98;
const GOLDEN_RATIO_FRACTION = 0.6180339887498949;

/** Generation of unit `index` at scrape `scrape`: it changes each time churn renames the unit. */
export function unitGeneration(seed: number, kind: PayloadKind, index: number, scrape: number, churnPercent: number): number {
  const rate = Math.min(Math.max(churnPercent, 0), 100) / 100;
  if (rate === 0) return 0;
  const offset = hashWords(seed, KIND_SALT[kind], PURPOSE_PHASE) / 4294967296;
  const phase = (offset + index * GOLDEN_RATIO_FRACTION) % 1;
  return Math.floor(scrape * rate + phase);
}

/**
 * Yields the page as Buffers of exactly `chunkBytes` (the last one shorter). Each Buffer is
 * the consumer's to keep. The generator's return value (seen by `yield*` or a manual `next()`)
 * is the page's PayloadStats; see also collectPayload.
 */
export function* generatePayload(options: PayloadOptions): Generator<Buffer, PayloadStats, void> {
  const { kind, sizeBytes } = options;
  const seed = options.seed ?? 1;
  const scrape = options.scrape ?? 0;
  const churnPercent = options.churnPercent ?? 0;
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const model = MODELS[kind];
  if (!model) throw new ScrapewireError('ERR_USAGE', `unknown payload kind "${kind}" (one of ${PAYLOAD_KINDS.join(', ')})`);
  if (!(sizeBytes > 0) || !(chunkBytes > 0)) throw new ScrapewireError('ERR_USAGE', 'sizeBytes and chunkBytes must be positive');

  const salt = KIND_SALT[kind];
  const timestampMs = scrapeTimestampMs(scrape);
  const plannedUnits = estimateUnits(model, seed, salt, sizeBytes, timestampMs);
  const identities: unknown[] = [];
  const identity = (index: number): unknown => {
    if (index < identities.length) return identities[index];
    const generation = unitGeneration(seed, kind, index, scrape, churnPercent);
    const unit = model.unit(index, Rng.derive(seed, salt, index, generation));
    if (index === identities.length && index < plannedUnits) identities.push(unit);
    return unit;
  };

  const values = Rng.derive(seed, salt, PURPOSE_VALUES, scrape);
  const out = new PageWriter();
  let flushed = 0;
  let unitsInFirstFamily = 0;

  model.preamble?.(values, out);
  page: for (let f = 0; f < model.families.length; f++) {
    const family = model.families[f];
    const lastFamily = f === model.families.length - 1;
    out.raw(family.header);
    for (let index = 0; lastFamily || index < plannedUnits; index++) {
      family.render({ unit: identity(index), values, timestampMs }, out);
      if (f === 0) unitsInFirstFamily = index + 1;
      if (out.text.length >= chunkBytes) {
        const full = Buffer.from(out.text, 'latin1');
        const whole = full.length - (full.length % chunkBytes);
        for (let at = 0; at < whole; at += chunkBytes) yield full.subarray(at, at + chunkBytes);
        flushed += whole;
        out.text = out.text.slice(whole);
      }
      if (flushed + out.text.length >= sizeBytes) break page;
    }
  }
  const rest = Buffer.from(out.text, 'latin1');
  for (let at = 0; at < rest.length; at += chunkBytes) yield rest.subarray(at, Math.min(at + chunkBytes, rest.length));
  return { bytes: flushed + rest.length, samples: out.samples, units: unitsInFirstFamily };
}

/** Renders a few units with a separate value stream and predicts how many make the page. */
function estimateUnits(model: PageModel<unknown>, seed: number, salt: number, sizeBytes: number, timestampMs: number): number {
  const values = Rng.derive(seed, salt, PURPOSE_ESTIMATE);
  const fixed = new PageWriter();
  model.preamble?.(values, fixed);
  for (const family of model.families) fixed.raw(family.header);
  const sample = new PageWriter();
  for (let index = 0; index < ESTIMATE_UNITS; index++) {
    const unit = model.unit(index, Rng.derive(seed, salt, index, 0));
    for (const family of model.families) family.render({ unit, values, timestampMs }, sample);
  }
  const bytesPerUnit = sample.text.length / ESTIMATE_UNITS;
  return Math.max(1, Math.floor((ESTIMATE_MARGIN * (sizeBytes - fixed.text.length)) / bytesPerUnit));
}

/** The whole page in memory as chunks, with its stats: for benchmarks that time parsing only. */
export function collectPayload(options: PayloadOptions): { chunks: Buffer[]; stats: PayloadStats } {
  const chunks: Buffer[] = [];
  const generator = generatePayload(options);
  for (;;) {
    const step = generator.next();
    if (step.done) return { chunks, stats: step.value };
    chunks.push(step.value);
  }
}

/**
 * The page as a byte stream with backpressure, e.g. as a loopback target's response body:
 * `payloadStream({ kind: 'cadvisor', sizeBytes: 100e6, scrape: k }).pipe(response)`.
 */
export function payloadStream(options: PayloadOptions): Readable {
  return Readable.from(generatePayload(options), { objectMode: false });
}

/** Parses "100MB", "64MiB", "512KB", "1e6" into bytes. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([KMG]i?B|B)?\s*$/i.exec(text);
  if (!match) throw new ScrapewireError('ERR_USAGE', `--size: cannot read "${text}" as a size (like 100MB or 64MiB)`);
  const unit = (match[2] ?? 'B').toUpperCase();
  const scale: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };
  return Math.round(Number(match[1]) * scale[unit]);
}

/** Accepts the kinds' names and the short forms ksm and app. */
export function parseKind(text: string): PayloadKind {
  const aliases: Record<string, PayloadKind> = { ksm: 'kube-state-metrics', app: 'application' };
  const kind = aliases[text] ?? text;
  if (!(PAYLOAD_KINDS as readonly string[]).includes(kind)) {
    throw new ScrapewireError('ERR_USAGE', `--kind: "${text}" is not one of ${PAYLOAD_KINDS.join(', ')} (or ksm, app)`);
  }
  return kind as PayloadKind;
}

const USAGE = 'usage: node dist/bench/payload/generate.js --kind cadvisor|kube-state-metrics|application --size 100MB [--seed 1] [--scrape K] [--churn PERCENT] [--chunk 64KiB] > page.txt';

function parseArguments(argv: readonly string[]): PayloadOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    if (!name.startsWith('--') || value === undefined) throw new ScrapewireError('ERR_USAGE', USAGE);
    flags.set(name.slice(2), value);
    i++;
  }
  const number = (name: string, fallback: number): number => {
    const text = flags.get(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new ScrapewireError('ERR_USAGE', `--${name}: "${text}" is not a non-negative number`);
    return value;
  };
  for (const name of flags.keys()) {
    if (!['kind', 'size', 'seed', 'scrape', 'churn', 'chunk'].includes(name)) throw new ScrapewireError('ERR_USAGE', `unknown flag --${name}\n${USAGE}`);
  }
  if (!flags.has('kind') || !flags.has('size')) throw new ScrapewireError('ERR_USAGE', USAGE);
  return {
    kind: parseKind(flags.get('kind')!),
    sizeBytes: parseSize(flags.get('size')!),
    seed: number('seed', 1),
    scrape: number('scrape', 0),
    churnPercent: number('churn', 0),
    chunkBytes: flags.has('chunk') ? parseSize(flags.get('chunk')!) : undefined,
  };
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const generator = generatePayload(options);
  let stats: PayloadStats | undefined;
  async function* chunks(): AsyncGenerator<Buffer> {
    stats = yield* generator;
  }
  await pipeline(Readable.from(chunks()), process.stdout);
  if (stats) process.stderr.write(`${options.kind}: ${stats.bytes} bytes, ${stats.samples} samples, ${stats.units} units\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof ScrapewireError && error.code === 'ERR_USAGE' ? 2 : 1;
  });
}
