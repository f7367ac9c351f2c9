/**
 * Whole-process comparison: scrapewire against vmagent (default and -promscrape.streamParse) and
 * Prometheus in agent mode, each a child process with the same scrape config, scraping the same
 * generated pages from a loopback target server and remote-writing to its own fresh
 * VictoriaMetrics single-node.
 *
 *   npm run build:ts && npm run bench:peers
 *   npm run bench:peers -- --sizes 1,10,50,100,200 --duration 60
 *   npm run bench:peers -- --scenarios sizes,churn,scale,big --agents vmagent,prometheus-agent
 *   npm run bench:peers -- --scenarios native --agents prometheus-agent,scrapewire
 *
 * Flags (and environment variables):
 *   --scenarios LIST   sizes, churn, scale, many, big, moonshot, native, or all
 *                      (BENCH_PEERS_SCENARIOS; default sizes). scale: --scale-targets × 200 KB at
 *                      1 s; many: --many-targets × 20 KB at 1 s; big: 200 MB at 10 s; moonshot:
 *                      100 MB every 1 s (timeout 1 s) for the window. native: the application page
 *                      (--native-size MB of text) as a protobuf page with native histograms, every
 *                      --interval s, scraped and sent as native histograms by Prometheus agent
 *                      (--enable-feature=agent,native-histograms) and scrapewire
 *                      (scrape_native_histograms), send_native_histograms on both, received by a
 *                      Prometheus 2.42 (remote-write receiver, native histograms); vmagent is left
 *                      out with its reason (it cannot scrape protobuf or native histograms).
 *                      `all` runs every one but moonshot.
 *   --native-size MB   text size the native scenario's page is made from (default 2)
 *   --sizes MB,...     page sizes of the "sizes" scenarios (BENCH_PEERS_SIZES; default 10,100)
 *   --interval S       scrape interval of the sizes and churn scenarios (default 5)
 *   --duration S       measured window per agent and scenario (BENCH_PEERS_DURATION; default 50)
 *   --churn PERCENT    churn of the churn scenario (10 MB, default 5)
 *   --scale-targets N  targets of the scale scenario (default 500; 200 KB each every 1 s)
 *   --many-targets N   targets of the many scenario (default 2000; 20 KB each every 1 s)
 *   --kind KIND        page kind (default cadvisor)
 *   --agents LIST      agent ids: vmagent, vmagent-stream, prometheus-agent, scrapewire (default: these
 *                      four), scrapewire-workers2 (scrapewire with --scrape.workers=2: only when named)
 *   --scrapewire M     auto | on | off (BENCH_PEERS_SCRAPEWIRE; default auto: runs it when the
 *                      built CLI lists a `run` command)
 *   --gzip-level N     zlib level of gzip responses (default 1); --no-gzip serves plain text always
 *   --drain-max S      longest wait for the receiver to settle after the window (default 60)
 *   --agent-cpus LIST  pin each agent to these CPUs (taskset list, e.g. 1) and this process, with
 *                      the target server and the receivers it starts, to the others: the agent
 *                      then competes with nothing, and every agent gets the same CPUs (Go sizes
 *                      GOMAXPROCS from them)
 *   --no-write         print the tables only; leave results.json, RESULTS.md and the charts alone
 *   --report-only      run nothing: rewrite the RESULTS.md section and the charts from results.json
 *   --merge            keep the other scenarios of the existing results.json (replace only this
 *                      run's), so long scenarios can be run separately
 *
 * Defaults (10 and 100 MB × four agents × ~65 s each, with start-up and drain) take about 8.5
 * minutes; a run with 60 s windows took 9.5. `--scenarios all` with four sizes takes ~30 minutes.
 * Writes bench/peers/results.json, the "## Whole-process comparison" section of bench/RESULTS.md
 * and bench/charts/peers-{memory,cpu}.svg. Every child process (agents, receivers) is killed on
 * the way out, also on errors and signals.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../test/helpers/receivers';
import { parseKind, type PayloadKind } from '../payload/generate';
import { allAgents, type AgentSpec, type ScrapewireSwitch } from './agents';
import { peerConfigYaml, PEER_JOB } from './config';
import { ProcessSampler } from './proc';
import { BenchVictoriaMetrics, pageSelector, setDifference } from './receiver';
import { chartFiles, markdownSection, scenarioTable, writeResultsMarkdown, type AgentRun, type RunReport, type ScenarioResult, type ScenarioSpec } from './report';
import { scheduledScrapes } from './schedule';
import { TargetServer } from './target-server';
import { nativePage, ProtobufTargetServer } from './protobuf-target';
import { BenchPrometheusReceiver } from './prometheus-receiver';

/** What runAgent needs of a receiver (VictoriaMetrics, or Prometheus for native histograms). */
interface PeerReceiver extends Pick<BenchVictoriaMetrics, 'destroy' | 'writeUrl' | 'samplesReceived' | 'seriesDigests'> {
  start(): Promise<unknown>;
}

/** The package root: the directory with package.json above dist/bench/peers or bench/peers. */
function findRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'bench', 'RESULTS.md'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

const ROOT = findRoot();
const EXCLUDED_LABELS = ['agent'];

interface Options {
  scenarios: string[];
  sizesMb: number[];
  intervalSeconds: number;
  durationSeconds: number;
  churnPercent: number;
  scaleTargets: number;
  manyTargets: number;
  nativeSizeMb: number;
  kind: PayloadKind;
  agents?: string[];
  scrapewire: ScrapewireSwitch;
  gzipLevel: number;
  neverGzip: boolean;
  drainMaxSeconds: number;
  /** --agent-cpus: the agent's CPUs and everything else's (taskset lists). */
  cpus?: { agent: string; harness: string };
  write: boolean;
  merge: boolean;
  reportOnly: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const flags = new Map<string, string>();
  const booleans = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (name === 'no-gzip' || name === 'no-write' || name === 'merge' || name === 'report-only') { booleans.add(name); continue; }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    flags.set(name, value);
  }
  const known = ['scenarios', 'sizes', 'interval', 'duration', 'churn', 'scale-targets', 'many-targets', 'native-size', 'kind', 'agents', 'scrapewire', 'gzip-level', 'drain-max', 'agent-cpus'];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown flag --${name} (known: ${known.join(', ')}, no-gzip, no-write, merge, report-only)`);
  const get = (name: string, env: string | undefined, fallback: string): string => flags.get(name) ?? (env !== undefined ? process.env[env] : undefined) ?? fallback;
  const num = (name: string, env: string | undefined, fallback: number): number => {
    const value = Number(get(name, env, String(fallback)));
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
    return value;
  };
  let scenarios = get('scenarios', 'BENCH_PEERS_SCENARIOS', 'sizes').split(',').map((s) => s.trim()).filter(Boolean);
  const scenarioNames = ['sizes', 'churn', 'scale', 'many', 'big', 'moonshot', 'native'];
  if (scenarios.includes('all')) scenarios = scenarioNames.filter((s) => s !== 'moonshot');
  for (const s of scenarios) if (!scenarioNames.includes(s)) throw new Error(`unknown scenario "${s}" (${scenarioNames.join(', ')}, all)`);
  const sizesMb = get('sizes', 'BENCH_PEERS_SIZES', '10,100').split(',').map((s) => Number(s.trim()));
  for (const s of sizesMb) if (!(s >= 0.001 && s <= 1000)) throw new Error(`--sizes: ${s} is not a size in MB between 0.001 and 1000`);
  const scrapewire = get('scrapewire', 'BENCH_PEERS_SCRAPEWIRE', 'auto') as ScrapewireSwitch;
  if (!['auto', 'on', 'off'].includes(scrapewire)) throw new Error('--scrapewire must be auto, on or off');
  return {
    scenarios,
    sizesMb,
    intervalSeconds: num('interval', 'BENCH_PEERS_INTERVAL', 5),
    durationSeconds: num('duration', 'BENCH_PEERS_DURATION', 50),
    churnPercent: num('churn', undefined, 5),
    scaleTargets: Math.round(num('scale-targets', undefined, 500)),
    manyTargets: Math.round(num('many-targets', undefined, 2000)),
    nativeSizeMb: num('native-size', undefined, 2),
    kind: parseKind(get('kind', undefined, 'cadvisor')),
    agents: flags.has('agents') ? flags.get('agents')!.split(',').map((s) => s.trim()) : undefined,
    scrapewire,
    gzipLevel: Math.round(num('gzip-level', undefined, 1)),
    neverGzip: booleans.has('no-gzip'),
    drainMaxSeconds: num('drain-max', undefined, 60),
    cpus: flags.has('agent-cpus') ? cpuSplit(flags.get('agent-cpus')!) : undefined,
    write: !booleans.has('no-write'),
    merge: booleans.has('merge'),
    reportOnly: booleans.has('report-only'),
  };
}

/** The CPUs left to the harness when the agent has `agentList` (a taskset list such as 1 or 2-3). */
function cpuSplit(agentList: string): { agent: string; harness: string } {
  const all = os.cpus().map((_, i) => i);
  const agent = new Set<number>();
  for (const part of agentList.split(',')) {
    const [from, to] = part.split('-').map((n) => Number(n.trim()));
    const last = to ?? from;
    if (!Number.isInteger(from) || !Number.isInteger(last) || from < 0 || last < from || last >= all.length) throw new Error(`--agent-cpus: "${part}" is not a CPU or range of CPUs 0-${all.length - 1}`);
    for (let cpu = from; cpu <= last; cpu++) agent.add(cpu);
  }
  const harness = all.filter((cpu) => !agent.has(cpu));
  if (harness.length === 0) throw new Error('--agent-cpus: no CPU left for the target server and the receiver');
  return { agent: [...agent].join(','), harness: harness.join(',') };
}

/** Pins this process (every thread) and so what it starts later to `cpus`; fails loudly when taskset cannot. */
function pinSelf(cpus: string): void {
  const run = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`taskset could not pin the harness to CPUs ${cpus}: ${run.error?.message ?? run.stderr}`);
}

function scenarioSpecs(o: Options): ScenarioSpec[] {
  const specs: ScenarioSpec[] = [];
  const sizeLabel = (mb: number): string => (mb >= 1 ? `${mb} MB` : `${mb * 1000} KB`);
  if (o.scenarios.includes('sizes')) {
    for (const mb of o.sizesMb) {
      specs.push({ id: `size-${mb}MB`, title: `${o.kind} ${sizeLabel(mb)}, one target every ${o.intervalSeconds} s`, kind: o.kind, sizeBytes: Math.round(mb * 1e6), targets: 1, intervalSeconds: o.intervalSeconds, timeoutSeconds: o.intervalSeconds, durationSeconds: o.durationSeconds, churnPercent: 0, sizeSeries: true });
    }
  }
  if (o.scenarios.includes('churn')) {
    specs.push({ id: `churn-${o.churnPercent}`, title: `${o.kind} 10 MB with ${o.churnPercent}% churn per scrape, every ${o.intervalSeconds} s`, kind: o.kind, sizeBytes: 10e6, targets: 1, intervalSeconds: o.intervalSeconds, timeoutSeconds: o.intervalSeconds, durationSeconds: o.durationSeconds, churnPercent: o.churnPercent, sizeSeries: false });
  }
  if (o.scenarios.includes('scale')) {
    specs.push({ id: `scale-${o.scaleTargets}`, title: `scale: ${o.scaleTargets} targets × 200 KB every 1 s`, kind: o.kind, sizeBytes: 200e3, targets: o.scaleTargets, intervalSeconds: 1, timeoutSeconds: 1, durationSeconds: o.durationSeconds, churnPercent: 0, sizeSeries: false });
  }
  if (o.scenarios.includes('many')) {
    specs.push({ id: `many-${o.manyTargets}`, title: `scale: ${o.manyTargets} targets × 20 KB every 1 s`, kind: o.kind, sizeBytes: 20e3, targets: o.manyTargets, intervalSeconds: 1, timeoutSeconds: 1, durationSeconds: o.durationSeconds, churnPercent: 0, sizeSeries: false });
  }
  if (o.scenarios.includes('big')) {
    specs.push({ id: 'big-200MB', title: 'scale: one target × 200 MB every 10 s', kind: o.kind, sizeBytes: 200e6, targets: 1, intervalSeconds: 10, timeoutSeconds: 10, durationSeconds: Math.max(o.durationSeconds, 60), churnPercent: 0, sizeSeries: false });
  }
  if (o.scenarios.includes('native')) {
    specs.push({ id: `native-${o.nativeSizeMb}MB`, title: `application page (${o.nativeSizeMb} MB as text) as protobuf with native histograms, every ${o.intervalSeconds} s`, kind: 'application', sizeBytes: Math.round(o.nativeSizeMb * 1e6), targets: 1, intervalSeconds: o.intervalSeconds, timeoutSeconds: o.intervalSeconds, durationSeconds: o.durationSeconds, churnPercent: 0, sizeSeries: false, native: true });
  }
  if (o.scenarios.includes('moonshot')) {
    specs.push({ id: 'moonshot-100MB-1s', title: 'moonshot: one target × 100 MB every 1 s', kind: o.kind, sizeBytes: 100e6, targets: 1, intervalSeconds: 1, timeoutSeconds: 1, durationSeconds: Math.max(o.durationSeconds, 60), churnPercent: 0, sizeSeries: false });
  }
  return specs;
}

// ---- child process bookkeeping: everything started here is killed on the way out ----------

const children = new Set<ChildProcess>();
const receivers = new Set<PeerReceiver>();

/** The helper keeps its child private; the exit handler needs it to kill synchronously. */
function receiverChild(receiver: PeerReceiver): ChildProcess | undefined {
  return (receiver as unknown as { child?: ChildProcess }).child;
}

function killEverythingNow(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const receiver of receivers) {
    const child = receiverChild(receiver);
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

process.on('exit', killEverythingNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: killing child processes\n`);
    killEverythingNow();
    process.exit(130);
  });
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---- one agent in one scenario --------------------------------------------------------------

async function runAgent(agent: AgentSpec, scenario: ScenarioSpec, server: TargetServer, o: Options): Promise<AgentRun> {
  const result: AgentRun = { agent: agent.id, agentName: agent.name };
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `sw-peers-${agent.id}-`));
  const native = scenario.native === true;
  const receiver: PeerReceiver = native ? new BenchPrometheusReceiver() : new BenchVictoriaMetrics();
  receivers.add(receiver);
  let child: ChildProcess | undefined;
  let output = '';
  const harnessCpuStart = process.cpuUsage();
  try {
    await receiver.start();
    server.reset();
    const configFile = path.join(workDir, 'scrape.yml');
    const paths = Array.from({ length: scenario.targets }, (_, i) => server.path(i));
    fs.writeFileSync(configFile, peerConfigYaml({
      address: server.address, paths, intervalSeconds: scenario.intervalSeconds, timeoutSeconds: scenario.timeoutSeconds, remoteWriteUrl: receiver.writeUrl,
      ...(native ? { jobSettings: agent.nativeJobSettings, remoteWriteSettings: { send_native_histograms: true } } : {}),
    }));
    const dataDir = path.join(workDir, 'data');
    fs.mkdirSync(dataDir);
    const { bin, args } = agent.command({ configFile, dataDir, listenPort: await freePort(), remoteWriteUrl: receiver.writeUrl, maxScrapeBytes: scenario.sizeBytes + 1e6, root: ROOT, nativeHistograms: native });
    const spawnedAt = Date.now();
    // taskset execs the agent: the child's pid is the agent's, as the sampler needs.
    child = o.cpus ? spawn('taskset', ['-c', o.cpus.agent, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: workDir }) : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: workDir });
    children.add(child);
    const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-8000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const spawned = child;
    const alive = (): boolean => spawned.exitCode === null && spawned.signalCode === null;
    const sampler = new ProcessSampler(child.pid!, { intervalMs: 100 }).start();
    try {
      // The window opens at the first request the agent makes (startup excluded).
      const startDeadline = spawnedAt + 60_000 + scenario.intervalSeconds * 1000;
      while (server.totals().requests === 0) {
        if (!alive()) throw new Error(`exited with ${spawned.exitCode ?? spawned.signalCode} before scraping:\n${output}`);
        if (Date.now() > startDeadline) throw new Error(`no scrape within ${(startDeadline - spawnedAt) / 1000} s of starting:\n${output}`);
        await sleep(20);
      }
      const t0 = Date.now();
      const cpu0 = sampler.cpuSeconds() ?? 0;
      const intervalMs = scenario.intervalSeconds * 1000;
      const cutoffAt = t0 + scenario.durationSeconds * 1000 - intervalMs / 2;
      log(`  ${agent.id}: scraping (window ${((cutoffAt - t0) / 1000).toFixed(1)} s)`);
      while (Date.now() < cutoffAt) {
        if (!alive()) throw new Error(`exited with ${spawned.exitCode ?? spawned.signalCode} during the window:\n${output}`);
        await sleep(Math.min(200, Math.max(1, cutoffAt - Date.now())));
      }
      server.cutoff();
      const cutoff = Date.now();

      // Drain: wait until pages in flight are served and the receiver's count stops moving.
      const selector = pageSelector(PEER_JOB);
      const drainDeadline = cutoff + o.drainMaxSeconds * 1000;
      let last = -1;
      let stable = 0;
      let received = 0;
      for (let i = 0; i < 1000 && Date.now() < drainDeadline; i++) {
        await sleep(2000);
        received = await receiver.samplesReceived(selector, Date.now(), Date.now() - t0 + 10_000);
        const expected = server.totals().samples;
        if (received === last) stable++;
        else stable = 0;
        last = received;
        if ((received >= expected && stable >= 1) || stable >= 3) break;
        if (!alive()) break;
      }
      const drainEnd = Date.now();
      const cpu1 = sampler.cpuSeconds() ?? cpu0;
      sampler.poll();
      sampler.stop();

      const totals = server.totals();
      // Scheduled: per target, the scrapes an agent on schedule makes from its first scrape of
      // the target (at most one interval after the window opened) until the cutoff.
      let scheduled = 0;
      for (let i = 0; i < scenario.targets; i++) scheduled += scheduledScrapes(server.countsOf(i).requestedAt, t0, cutoff, intervalMs);
      const cpu = cpu1 - cpu0;
      result.windowSeconds = (cutoff - t0) / 1000;
      result.drainSeconds = (drainEnd - cutoff) / 1000;
      result.peakRssBytes = sampler.peakRss();
      result.avgRssBytes = sampler.averageRss(t0, cutoff);
      result.rssSamples = sampler.samples.length;
      result.cpuSeconds = cpu;
      result.scrapesDone = totals.served;
      result.scrapesScheduled = scheduled;
      result.scrapesAborted = totals.aborted;
      result.gzipResponses = totals.gzip;
      result.bytesServed = totals.bytes;
      result.cpuSecondsPerScrape = totals.served > 0 ? cpu / totals.served : undefined;
      result.mbParsedPerCpuSecond = cpu > 0 ? totals.bytes / 1e6 / cpu : undefined;
      result.samplesExpected = totals.samples;
      result.samplesReceived = await receiver.samplesReceived(selector, Date.now(), Date.now() - t0 + 10_000);
      if (!alive()) result.error = `exited with ${spawned.exitCode ?? spawned.signalCode} before the end of the drain:\n${output}`;
      if (result.samplesReceived < totals.samples || totals.served < scheduled) {
        result.logTail = output.split('\n').slice(-30).join('\n');
        if (process.env.BENCH_PEERS_VERBOSE) log(`  ${agent.id} output:\n${result.logTail}`);
      }
      log(`  ${agent.id}: ${totals.served}/${scheduled} scrapes, ${result.samplesReceived}/${totals.samples} samples, peak ${(result.peakRssBytes / 1e6).toFixed(0)} MB, ${cpu.toFixed(2)} CPU s, drain ${result.drainSeconds.toFixed(1)} s`);
      // Series set, kept for comparison across agents (digests only).
      const digests = await receiver.seriesDigests(selector, t0 - 10_000, Date.now(), EXCLUDED_LABELS);
      result.seriesReceived = digests.size;
      (result as AgentRun & { digests?: Set<string> }).digests = digests;
    } finally {
      sampler.stop();
    }
  } catch (err) {
    result.error = (err as Error).message;
    log(`  ${agent.id}: FAILED ${result.error.split('\n')[0]}`);
  } finally {
    if (child) await stopChild(child);
    server.cutoff();
    await receiver.destroy().catch(() => undefined);
    receivers.delete(receiver);
    fs.rmSync(workDir, { recursive: true, force: true });
    const harness = process.cpuUsage(harnessCpuStart);
    result.harnessCpuSeconds = (harness.user + harness.system) / 1e6;
  }
  return result;
}

async function runScenario(scenario: ScenarioSpec, agents: AgentSpec[], o: Options): Promise<ScenarioResult> {
  log(`scenario ${scenario.id}: ${scenario.title}`);
  let server: TargetServer;
  if (scenario.native === true) {
    const page = nativePage(scenario.sizeBytes);
    log(`  page: ${(page.body.length / 1e6).toFixed(2)} MB protobuf from ${(page.textBytes / 1e6).toFixed(2)} MB of text; per scrape ${page.floatSamples} float samples and ${page.histograms} native histograms`);
    server = await new ProtobufTargetServer(page, scenario.targets, o.gzipLevel).start();
  } else {
    server = await new TargetServer({ kind: scenario.kind as PayloadKind, sizeBytes: scenario.sizeBytes, targets: scenario.targets, churnPercent: scenario.churnPercent, gzipLevel: o.gzipLevel, neverGzip: o.neverGzip }).start();
  }
  const runs: AgentRun[] = [];
  try {
    for (const agent of agents) {
      const reason = agent.unavailable(ROOT) ?? (scenario.native === true ? agent.noNativeHistograms : undefined);
      if (reason) {
        log(`  ${agent.id}: ${reason}`);
        runs.push({ agent: agent.id, agentName: agent.name, skipped: reason });
        continue;
      }
      runs.push(await runAgent(agent, scenario, server, o));
    }
  } finally {
    await server.close();
  }
  // Compare series sets with the first agent that has one.
  type WithDigests = AgentRun & { digests?: Set<string> };
  const reference = (runs as WithDigests[]).find((r) => r.digests !== undefined);
  for (const run of runs as WithDigests[]) {
    if (!run.digests || !reference?.digests) continue;
    run.seriesReference = reference.agent;
    const diff = setDifference(run.digests, reference.digests);
    run.seriesOnlyHere = diff.onlyA;
    run.seriesOnlyInReference = diff.onlyB;
  }
  for (const run of runs as WithDigests[]) delete run.digests;
  return { scenario, runs };
}

function machine(): string {
  const lscpu = spawnSync('lscpu', [], { encoding: 'utf8' });
  const match = lscpu.status === 0 && /^Model name:\s*(.+)$/m.exec(lscpu.stdout);
  const model = match ? match[1].trim() : os.cpus()[0]?.model ?? 'unknown CPU';
  const nproc = spawnSync('nproc', [], { encoding: 'utf8' });
  return `${model}, nproc ${nproc.status === 0 ? nproc.stdout.trim() : os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`;
}

function writeOutputs(report: RunReport, resultsFile: string, writeJson: boolean): void {
  if (writeJson) fs.writeFileSync(resultsFile, `${JSON.stringify(report, null, 2)}\n`);
  // Hand-written reading of the figures, kept across regenerations (edit it after a run).
  const readingFile = path.join(ROOT, 'bench', 'peers', 'READING.md');
  const reading = fs.existsSync(readingFile) ? fs.readFileSync(readingFile, 'utf8') : undefined;
  writeResultsMarkdown(path.join(ROOT, 'bench', 'RESULTS.md'), markdownSection(report, reading));
  if (report.scenarios.some((s) => s.scenario.sizeSeries)) {
    const chartDir = path.join(ROOT, 'bench', 'charts');
    fs.mkdirSync(chartDir, { recursive: true });
    for (const chart of chartFiles(report)) fs.writeFileSync(path.join(chartDir, chart.name), chart.svg);
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const resultsFile = path.join(ROOT, 'bench', 'peers', 'results.json');
  if (o.reportOnly) {
    writeOutputs(JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as RunReport, resultsFile, false);
    log('rewrote bench/RESULTS.md (## Whole-process comparison) and bench/charts/peers-*.svg from bench/peers/results.json');
    return;
  }
  let agents = allAgents(o.scrapewire);
  if (o.agents) {
    for (const id of o.agents) if (!agents.some((a) => a.id === id)) throw new Error(`unknown agent "${id}" (${agents.map((a) => a.id).join(', ')})`);
    agents = agents.filter((a) => o.agents!.includes(a.id));
  } else {
    agents = agents.filter((a) => a.onlyWhenNamed !== true);
  }
  const specs = scenarioSpecs(o);
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const report: RunReport = {
    date: new Date().toISOString(),
    machine: machine(),
    node: process.version,
    commit: commit.status === 0 ? commit.stdout.trim() : 'unknown',
    command: ['npm run bench:peers', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    loadBefore: os.loadavg(),
    loadAfter: [],
    agentVersions: {},
    agentNotes: {},
    gzipLevel: o.gzipLevel,
    neverGzip: o.neverGzip,
    scenarios: [],
  };
  for (const agent of agents) {
    const reason = agent.unavailable(ROOT);
    report.agentVersions[agent.id] = reason ? `${reason}` : agent.version(ROOT);
    report.agentNotes[agent.id] = agent.notes;
  }
  if (o.cpus) {
    pinSelf(o.cpus.harness);
    log(`agents pinned to CPU ${o.cpus.agent}; this process, the target server and the receivers to CPU ${o.cpus.harness}`);
  }
  log(`machine: ${report.machine}; node ${report.node}; load ${report.loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  log(`scenarios: ${specs.map((s) => s.id).join(', ')}; agents: ${agents.map((a) => a.id).join(', ')}`);

  for (const spec of specs) {
    const loadBefore = os.loadavg();
    const result = await runScenario(spec, agents, o);
    result.ranAt = new Date().toISOString();
    result.command = report.command;
    result.load = { before: loadBefore, after: os.loadavg() };
    if (o.cpus) result.cpus = o.cpus;
    report.scenarios.push(result);
    process.stdout.write(`\n${scenarioTable(result)}\n`);
  }
  report.loadAfter = os.loadavg();

  if (o.merge && fs.existsSync(resultsFile)) {
    const previous = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as RunReport;
    const fresh = new Map(report.scenarios.map((s) => [s.scenario.id, s]));
    const merged: ScenarioResult[] = [];
    for (const old of previous.scenarios ?? []) {
      merged.push(fresh.get(old.scenario.id) ?? { ...old, ranAt: old.ranAt ?? previous.date, command: old.command ?? previous.command });
      fresh.delete(old.scenario.id);
    }
    merged.push(...fresh.values());
    report.scenarios = merged;
    report.loadBefore = previous.loadBefore ?? report.loadBefore;
    for (const [id, version] of Object.entries(previous.agentVersions ?? {})) report.agentVersions[id] ??= version;
    for (const [id, note] of Object.entries(previous.agentNotes ?? {})) report.agentNotes[id] ??= note;
  }

  if (o.write) {
    writeOutputs(report, resultsFile, true);
    log('wrote bench/peers/results.json, bench/RESULTS.md (## Whole-process comparison) and bench/charts/peers-*.svg');
  }
  const failed = report.scenarios.flatMap((s) => s.runs).filter((r) => r.error);
  if (failed.length > 0) process.exitCode = 1;
}

if (require.main === module) {
  main()
    .catch((err: unknown) => {
      process.stderr.write(`bench:peers: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 2;
    })
    .finally(() => killEverythingNow());
}
