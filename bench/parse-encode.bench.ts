/**
 * Parse + encode of a cAdvisor-like page (64 MB by default, ~180k series, every sample
 * timestamped), fed as 64 KiB chunks already in memory, into remote-write requests of at most
 * 2000 samples:
 *
 * - core cold: a fresh Core per iteration (created outside the timed window), all series new.
 * - core steady: one Core primed with the same page; every series is known, only values move.
 * - reference: test/reference's parseReference on the joined body + protobufjs WriteRequest.
 * - obvious: body as one string (as `await res.text()` gives it) + parse-prometheus-text-format
 *   + protobufjs WriteRequest + snappyjs, the way a Node service would do it without scrapewire.
 *   Compare it with "core steady: scrape + rw1 + snappyjs", which does the same work.
 *
 * MB/s counts input text (MB = 10^6 bytes); series/s counts the page's samples.
 *
 * Reproduce:
 *   npm run build:ts && npm run bench -- parse-encode
 * or one process directly:
 *   node --expose-gc dist/bench/parse-encode.bench.js
 * Environment: BENCH_PAYLOAD_SIZE=100MB (default 64MB), BENCH_ITERATIONS=5 (default 3).
 *
 * Then the protobuf exposition (issue 13): the same cAdvisor page as delimited MetricFamily
 * messages (lib/protobuf-page.ts), and a histogram-heavy application page (BENCH_APP_SIZE,
 * default 16MB of text) as text, as protobuf with classic histograms, and as protobuf with
 * native histograms scraped as such (one sample per histogram instead of ~14). MB/s counts each
 * row's own input bytes; series/s the samples it produced.
 */
import { describeRun, payloadSizeFromEnv } from './lib/context';
import { BenchCore, loadCore, releaseCore } from './lib/core';
import { loadReferenceParser, obviousParseEncode, referenceParseEncode, snappy } from './lib/baselines';
import { markdownTable, measureTasks, TaskSpec } from './lib/measure';
import { collectPayload, parseSize, scrapeTimestampMs } from './payload/generate';
import { RW1, RW2, type RemoteWriteProtocol } from '../src/remote-write-protocol';
import { toProtobufPage } from './lib/protobuf-page';

const MAX_SAMPLES_PER_REQUEST = 2000;
const OBVIOUS = 'obvious: text + parse-prometheus-text-format + protobufjs rw1 + snappyjs';

type Hooks = Pick<TaskSpec, 'beforeAll' | 'beforeEach' | 'afterAll'>;

async function main(): Promise<void> {
  const size = payloadSizeFromEnv('64MB');
  const { chunks, stats } = collectPayload({ kind: 'cadvisor', sizeBytes: parseSize(size), seed: 1, chunkBytes: 64 * 1024 });
  const payload = `cadvisor, seed 1, ${stats.bytes} bytes in ${chunks.length} chunks of 64 KiB, ${stats.samples} series, ${stats.units} containers`;
  console.log(payload);

  let timestampMs = scrapeTimestampMs(0);
  const nextTimestamp = () => (timestampMs += 15_000);
  const tasks: TaskSpec[] = [];
  /** Adds a task over the whole page; its run may set `task.note` (requests and bytes out). */
  const add = (name: string, hooks: Hooks, run: (task: TaskSpec) => Promise<number> | number) => {
    const task: TaskSpec = { name, ...hooks, bytes: stats.bytes, series: stats.samples, run: () => run(task) };
    tasks.push(task);
  };
  const describeOutput = (task: TaskSpec, requests: number, bytes: number, what: string) => {
    task.note = `${requests} requests, ${(bytes / 1e6).toFixed(1)} MB ${what}`;
  };

  const { Core, reason: coreMissing } = loadCore();
  if (Core) {
    let core: BenchCore | undefined;
    const fresh = () => {
      releaseCore(core);
      core = Core.create();
    };
    const cold: Hooks = { beforeEach: fresh, afterAll: () => releaseCore(core) };
    // Steady state: the Core has seen every series of the page once before the timed scrapes.
    const steady: Hooks = {
      beforeAll: async () => {
        fresh();
        await core!.scrape(chunks, { format: 'text', timestampMs: nextTimestamp() });
      },
      afterAll: () => releaseCore(core),
    };
    const scrape = async () => (await core!.scrape(chunks, { format: 'text', timestampMs: nextTimestamp() })).samples;
    const scrapeEncode = (protocol: RemoteWriteProtocol, compress: false | 'snappyjs' | 'core') => async (task: TaskSpec) => {
      const samples = await scrape();
      let requests = 0;
      let bytes = 0;
      core!.encode(protocol, { maxSamplesPerRequest: MAX_SAMPLES_PER_REQUEST, compress: compress === 'core' }, (request) => {
        requests++;
        bytes += compress === 'snappyjs' ? snappy.compress(request).length : request.length;
      });
      describeOutput(task, requests, bytes, `${protocol === RW1 ? 'rw1' : 'rw2'}${compress ? ' snappy' : ''}`);
      return samples;
    };
    add('core cold: scrape', cold, scrape);
    add('core cold: scrape + encode rw1', cold, scrapeEncode(RW1, false));
    add('core cold: scrape + rw1 + snappy in core', cold, scrapeEncode(RW1, 'core'));
    add('core steady: scrape', steady, scrape);
    add('core steady: scrape + encode rw1', steady, scrapeEncode(RW1, false));
    add('core steady: scrape + encode rw2', steady, scrapeEncode(RW2, false));
    add('core steady: scrape + rw1 + snappyjs', steady, scrapeEncode(RW1, 'snappyjs'));
    add('core steady: scrape + rw1 + snappy in core', steady, scrapeEncode(RW1, 'core'));
    add('core steady: scrape + rw2 + snappy in core', steady, scrapeEncode(RW2, 'core'));
  } else {
    console.log(`core rows skipped: ${coreMissing}`);
  }

  const { parseReference, reason: referenceMissing } = loadReferenceParser();
  if (parseReference) {
    add('reference: parseReference + protobufjs rw1', {}, (task) => {
      let requests = 0;
      let bytes = 0;
      const samples = referenceParseEncode(parseReference, chunks, timestampMs, MAX_SAMPLES_PER_REQUEST, (request) => {
        requests++;
        bytes += request.length;
      });
      describeOutput(task, requests, bytes, 'rw1');
      return samples;
    });
  } else {
    console.log(`reference row skipped: ${referenceMissing}`);
  }

  add(OBVIOUS, {}, (task) => {
    let requests = 0;
    let bytes = 0;
    const samples = obviousParseEncode(chunks, timestampMs, MAX_SAMPLES_PER_REQUEST, (request) => {
      requests++;
      bytes += request.length;
    });
    describeOutput(task, requests, bytes, 'rw1 snappy');
    return samples;
  });

  const rows = await measureTasks(tasks);
  console.log(`\n${describeRun('parse + encode, cAdvisor-like page', payload)}\n`);
  console.log(markdownTable(rows, OBVIOUS));
  if (Core) await protobufRows(Core, chunks, stats.samples);
  for (const missing of [coreMissing, referenceMissing]) if (missing) console.log(`\n(rows missing: ${missing})`);
}

/** Steady-state scrape + rw1 encode of each page, in the given format, on a primed core. */
async function protobufRows(Core: NonNullable<ReturnType<typeof loadCore>['Core']>, cadvisorChunks: Buffer[], cadvisorSamples: number): Promise<void> {
  const chunked = (bytes: Uint8Array) => {
    const out: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 64 * 1024) out.push(Buffer.from(bytes.subarray(at, at + 64 * 1024)));
    return out;
  };
  const appText = collectPayload({ kind: 'application', sizeBytes: parseSize(process.env.BENCH_APP_SIZE ?? '16MB'), seed: 1, chunkBytes: 64 * 1024 });
  const cadvisorText = Buffer.concat(cadvisorChunks).toString();
  const appJoined = Buffer.concat(appText.chunks).toString();
  const pages: Array<{ name: string; format: 'text' | 'protobuf'; chunks: Buffer[]; native?: boolean }> = [
    { name: 'cAdvisor text', format: 'text', chunks: cadvisorChunks },
    { name: 'cAdvisor protobuf', format: 'protobuf', chunks: chunked(toProtobufPage(cadvisorText, { native: false })) },
    { name: 'application text', format: 'text', chunks: appText.chunks },
    { name: 'application protobuf, classic histograms', format: 'protobuf', chunks: chunked(toProtobufPage(appJoined, { native: false })) },
    { name: 'application protobuf, native histograms', format: 'protobuf', chunks: chunked(toProtobufPage(appJoined, { native: true })), native: true },
  ];
  void cadvisorSamples;
  let timestampMs = scrapeTimestampMs(0);
  const tasks: TaskSpec[] = [];
  for (const page of pages) {
    let core: BenchCore | undefined;
    const bytes = page.chunks.reduce((sum, c) => sum + c.length, 0);
    const scrape = async () => (await core!.scrape(page.chunks, { format: page.format, timestampMs: (timestampMs += 15_000) })).samples;
    // A first scrape, untimed, tells the samples per scrape.
    const probe = Core.create(page.native ? { scrapeNativeHistograms: true } : {});
    const samples = (await probe.scrape(page.chunks, { format: page.format, timestampMs: (timestampMs += 15_000) })).samples;
    releaseCore(probe);
    const task: TaskSpec = {
      name: `${page.name}: steady scrape + encode rw1`,
      bytes,
      series: samples,
      beforeAll: async () => {
        core = Core.create(page.native ? { scrapeNativeHistograms: true } : {});
        await scrape();
      },
      afterAll: () => releaseCore(core),
      run: async () => {
        const n = await scrape();
        let requests = 0;
        let out = 0;
        core!.encode(RW1, { maxSamplesPerRequest: MAX_SAMPLES_PER_REQUEST }, (request) => { requests++; out += request.length; });
        task.note = `${(bytes / 1e6).toFixed(1)} MB in, ${requests} requests, ${(out / 1e6).toFixed(1)} MB rw1`;
        return n;
      },
    };
    tasks.push(task);
  }
  const rows = await measureTasks(tasks);
  console.log(`\n${describeRun('parse + encode, protobuf exposition', 'the cAdvisor page above and an application page (histograms) as text and protobuf')}\n`);
  console.log(markdownTable(rows));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
