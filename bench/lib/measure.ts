/**
 * Timing for payload-sized tasks: tinybench with a handful of iterations, no warmup and no time
 * budget (one iteration parses tens of MB), one Bench per task with a forced GC in between so a
 * task does not pay for the previous one's garbage. Throughput is computed here from the mean
 * (MB = 10^6 bytes), and a markdown table is printed at the end.
 */

export interface TaskSpec {
  name: string;
  /** One iteration: returns the number of samples it produced, as a cross-check between paths. */
  run: () => Promise<number> | number;
  /** Outside the timed window, before each iteration (e.g. a fresh Core for a cold run). */
  beforeEach?: () => Promise<void> | void;
  /** Outside the timed window, once before the iterations (e.g. priming a steady-state Core). */
  beforeAll?: () => Promise<void> | void;
  /** Outside the timed window, once after the iterations (release memory). */
  afterAll?: () => Promise<void> | void;
  /** Bytes one iteration processes (input text for parsers, output for encoders). */
  bytes: number;
  /** Series (samples) one iteration processes. */
  series: number;
  note?: string;
}

export interface Row {
  name: string;
  meanMs: number;
  minMs: number;
  maxMs: number;
  iterations: number;
  mbPerSecond: number;
  seriesPerSecond: number;
  /** What the task's last iteration returned. */
  samplesOut: number;
  note?: string;
  error?: string;
}

/** Iterations per task: BENCH_ITERATIONS or 3. */
export function iterationsFromEnv(fallback = 3): number {
  const value = Number(process.env.BENCH_ITERATIONS);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs the tasks one after the other and returns a row each; a failing task yields an error row. */
export async function measureTasks(tasks: readonly TaskSpec[], iterations = iterationsFromEnv()): Promise<Row[]> {
  const { Bench } = await import('tinybench');
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with node --expose-gc, as bench/run.js does, for a GC between tasks)');
  const rows: Row[] = [];
  for (const task of tasks) {
    collectGarbage();
    let samplesOut = 0;
    const bench = new Bench({ iterations, time: 0, warmup: false, throws: false });
    bench.add(
      task.name,
      async () => {
        samplesOut = await task.run();
      },
      { beforeAll: task.beforeAll, beforeEach: task.beforeEach, afterAll: task.afterAll, async: true },
    );
    process.stdout.write(`${task.name} ... `);
    await bench.run();
    const result = bench.tasks[0].result;
    if (result.state === 'completed' || result.state === 'aborted-with-statistics') {
      const { mean, min, max, samplesCount } = result.latency;
      const row: Row = {
        name: task.name,
        meanMs: mean,
        minMs: min,
        maxMs: max,
        iterations: samplesCount,
        mbPerSecond: task.bytes / 1e6 / (mean / 1000),
        seriesPerSecond: task.series / (mean / 1000),
        samplesOut,
        note: task.note,
      };
      rows.push(row);
      console.log(`${formatMs(row.meanMs)} ms mean, ${row.mbPerSecond.toFixed(1)} MB/s, ${formatCount(row.seriesPerSecond)} series/s`);
    } else {
      const error = result.state === 'errored' ? (result.error?.stack ?? String(result.error)) : result.state;
      rows.push({ name: task.name, meanMs: NaN, minMs: NaN, maxMs: NaN, iterations: 0, mbPerSecond: NaN, seriesPerSecond: NaN, samplesOut: 0, note: task.note, error });
      console.log(`failed: ${error}`);
    }
  }
  collectGarbage();
  return rows;
}

/** Milliseconds with precision that fits their size: 1234 -> "1234", 3.456 -> "3.46". */
export function formatMs(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** 1234567 -> "1.23 M". */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(0);
}

/** The rows as a markdown table, with each row's speed relative to `baseline` (a row name). */
export function markdownTable(rows: readonly Row[], baseline?: string): string {
  const reference = rows.find((row) => row.name === baseline && !row.error);
  const lines = [
    '| task | mean ms | min ms | max ms | n | MB/s | series/s | samples out | vs baseline | note |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    if (row.error) {
      lines.push(`| ${row.name} | - | - | - | 0 | - | - | - | - | failed: ${row.error.split('\n')[0]} |`);
      continue;
    }
    const relative = reference ? `${(reference.meanMs / row.meanMs).toFixed(2)}x` : '-';
    lines.push(
      `| ${row.name} | ${formatMs(row.meanMs)} | ${formatMs(row.minMs)} | ${formatMs(row.maxMs)} | ${row.iterations} | ${row.mbPerSecond.toFixed(1)} | ${formatCount(row.seriesPerSecond)} | ${row.samplesOut} | ${relative} | ${row.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}
