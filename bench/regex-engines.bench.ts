/**
 * The RE2 candidates for relabel regexes, one match at a time, against V8's backtracking RegExp:
 * what choosing the engine (issue 10 item 4) was measured on. Three matches from the relabel
 * benchmark's rules (bench/relabel.bench.ts), each regex anchored the way Prometheus anchors it:
 * a keep/drop test on a metric name, and two replaces that read capture groups.
 *
 *   npm run build && node dist/bench/regex-engines.bench.js
 *
 * re2js is a dependency. re2-wasm and re2 (the native binding) are not: install them first,
 * without saving, to measure them too (missing ones are skipped):
 *
 *   npm install --no-save re2-wasm@1.0.2 re2@1.27.1
 *
 * (re2 builds RE2 and Abseil with node-gyp at install: ~2.5 minutes on 2 cores, and only where a
 * C++ toolchain and Node's headers are at hand; its prebuilt download needs GitHub.)
 */
import { RE2JS } from 're2js';

interface Engine {
  name: string;
  compile(source: string): { test(s: string): boolean; groups(s: string): ArrayLike<string | undefined> | null };
}

const DROP = 'container_(network_tcp_usage_total|network_udp_usage_total|tasks_state|memory_failures_total|blkio_device_usage_total)';
const WORKLOAD = '(.+)/(.+)-[a-z0-9]{8,10}-[a-z0-9]{5}';
const IMAGE_TAG = '.*:(.+)';

const NAMES = ['container_cpu_usage_seconds_total', 'container_tasks_state', 'container_memory_rss', 'container_fs_reads_bytes_total'];
const WORKLOADS = ['payments/api-abc123def-x7y8z', 'kube-system/coredns-5d78c9869d-abcde', 'monitoring/node-exporter-abcdefghi-12345'];
const IMAGES = ['registry.example.com/payments/api:v1.3.2', 'registry.example.com/kube-system/coredns:v1.10.1'];

function optional(name: string): unknown {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name);
  } catch {
    return undefined;
  }
}

function engines(): Engine[] {
  const list: Engine[] = [
    {
      name: 'V8 RegExp (backtracking)',
      compile: (source) => {
        const re = new RegExp(`^(?:${source})$`, 'su');
        return { test: (s) => re.test(s), groups: (s) => re.exec(s) };
      },
    },
    {
      name: 're2js 2.10 (pure JS)',
      compile: (source) => {
        const re = RE2JS.compile(`^(?s:${source})$`);
        return { test: (s) => re.test(s), groups: (s) => re.exec(s) };
      },
    },
  ];
  type Re2Class = new (source: string, flags: string) => { test(s: string): boolean; exec(s: string): RegExpExecArray | null };
  const wasm = optional('re2-wasm') as { RE2: Re2Class } | undefined;
  if (wasm !== undefined) {
    list.push({
      name: 're2-wasm 1.0.2',
      compile: (source) => {
        const re = new wasm.RE2(`^(?s:${source})$`, 'u');
        return { test: (s) => re.test(s), groups: (s) => re.exec(s) };
      },
    });
  } else console.log('re2-wasm not installed: skipped');
  const native = optional('re2') as Re2Class | undefined;
  if (native !== undefined) {
    list.push({
      name: 're2 1.27 (native)',
      compile: (source) => {
        const re = new native(`^(?s:${source})$`, 'u');
        return { test: (s) => re.test(s), groups: (s) => re.exec(s) };
      },
    });
  } else console.log('re2 (native) not installed or not built: skipped');
  return list;
}

/** Mean nanoseconds per call of `run(i)` over `calls` calls, after a warm-up. */
function nsPerCall(run: (i: number) => unknown, calls = 200_000): number {
  for (let i = 0; i < 1000; i++) run(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) run(i);
  return Number(process.hrtime.bigint() - start) / calls;
}

function main(): void {
  console.log('| engine | drop test (ns) | workload replace, 2 groups (ns) | image tag replace, 1 group (ns) |');
  console.log('|---|---:|---:|---:|');
  for (const engine of engines()) {
    const drop = engine.compile(DROP);
    const workload = engine.compile(WORKLOAD);
    const image = engine.compile(IMAGE_TAG);
    // Same answers from every engine before timing.
    const check = [workload.groups(WORKLOADS[1])?.[2], image.groups(IMAGES[1])?.[1], drop.test(NAMES[1])];
    if (JSON.stringify(check) !== JSON.stringify(['coredns', 'v1.10.1', true])) throw new Error(`${engine.name}: wrong answers ${JSON.stringify(check)}`);
    let sink = 0;
    const t1 = nsPerCall((i) => { sink += drop.test(NAMES[i & 3]) ? 1 : 0; });
    const t2 = nsPerCall((i) => { sink += workload.groups(WORKLOADS[i % 3])?.length ?? 0; });
    const t3 = nsPerCall((i) => { sink += image.groups(IMAGES[i & 1])?.length ?? 0; });
    console.log(`| ${engine.name} | ${t1.toFixed(0)} | ${t2.toFixed(0)} | ${t3.toFixed(0)} |${sink < 0 ? ' ' : ''}`);
  }
}

main();
