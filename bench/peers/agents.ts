/**
 * The agents compared by bench/peers/run.ts, each a command line around the same scrape config.
 *
 * scrapewire is switched by BENCH_PEERS_SCRAPEWIRE (or --scrapewire): `auto` (default) runs it
 * when the bundle's `help` lists a `run` command, `on` always, `off` never. It runs as `npm start`
 * runs it (bench/lib/start-command.ts: the bundle with the start script's node flags).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { startCommand } from '../lib/start-command';

export interface AgentContext {
  configFile: string;
  dataDir: string;
  listenPort: number;
  remoteWriteUrl: string;
  /** The largest page the scenario serves, so size limits never reject it. */
  maxScrapeBytes: number;
  /** Repository root (for scrapewire's dist/). */
  root: string;
  /** The native-histogram scenario: protobuf pages, native histograms scraped and sent. */
  nativeHistograms?: boolean;
}

export interface AgentSpec {
  /** Short id used in tables and file names. */
  id: string;
  /** Human name with mode. */
  name: string;
  /** Undefined when it can run, else why not (reported instead of failing). */
  unavailable(root: string): string | undefined;
  command(context: AgentContext): { bin: string; args: string[] };
  /** Path of the agent's readiness endpoint on listenPort. */
  readyPath: string;
  version(root: string): string;
  /** Flags beyond the shared ones that were needed to make it work, for the report. */
  notes: string;
  /** Why it cannot take part in the native-histogram scenario, if it cannot. */
  noNativeHistograms?: string;
  /** Job settings of its own for the native-histogram scenario (others' config readers would refuse them). */
  nativeJobSettings?: Record<string, unknown>;
  /** Run only when `--agents` names it (a variant of another agent, not a peer of its own). */
  onlyWhenNamed?: boolean;
}

export const VMAGENT_BIN = process.env.BENCH_VMAGENT_BIN ?? '/usr/bin/vmagent';
export const PROMETHEUS_BIN = process.env.BENCH_PROMETHEUS_BIN ?? '/usr/bin/prometheus';

function debianVersion(pkg: string): string | undefined {
  const run = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return run.status === 0 && run.stdout.trim() !== '' ? run.stdout.trim() : undefined;
}

function missing(bin: string): string | undefined {
  return fs.existsSync(bin) ? undefined : `${bin} not installed`;
}

function vmagent(stream: boolean): AgentSpec {
  return {
    id: stream ? 'vmagent-stream' : 'vmagent',
    name: stream ? 'vmagent -promscrape.streamParse' : 'vmagent (default)',
    unavailable: () => missing(VMAGENT_BIN),
    readyPath: '/health',
    command: (c) => ({
      bin: VMAGENT_BIN,
      args: [
        `-promscrape.config=${c.configFile}`,
        // The shared file has a remote_write section, which vmagent takes from its flag instead.
        '-promscrape.config.strictParse=false',
        `-remoteWrite.url=${c.remoteWriteUrl}`,
        `-remoteWrite.tmpDataPath=${c.dataDir}`,
        `-httpListenAddr=127.0.0.1:${c.listenPort}`,
        // Default 16 MB would reject the 100 MB page outright.
        `-promscrape.maxScrapeSize=${Math.max(16 * 2 ** 20, Math.ceil(c.maxScrapeBytes * 1.1))}`,
        '-loggerLevel=ERROR',
        ...(stream ? ['-promscrape.streamParse'] : []),
      ],
    }),
    version: () => `vmagent ${debianVersion('victoria-metrics') ?? 'unknown'} (Debian package victoria-metrics)`,
    noNativeHistograms: 'left out: vmagent cannot scrape the protobuf exposition or native histograms (VictoriaMetrics issues #5742, #10743)',
    notes: '-promscrape.config.strictParse=false (skip remote_write in the shared file), -promscrape.maxScrapeSize raised above the page size (default 16 MB)',
  };
}

const prometheusAgent: AgentSpec = {
  id: 'prometheus-agent',
  name: 'Prometheus --enable-feature=agent',
  unavailable: () => missing(PROMETHEUS_BIN),
  readyPath: '/-/ready',
  command: (c) => ({
    bin: PROMETHEUS_BIN,
    args: [c.nativeHistograms === true ? '--enable-feature=agent,native-histograms' : '--enable-feature=agent', `--config.file=${c.configFile}`, `--storage.agent.path=${c.dataDir}`, `--web.listen-address=127.0.0.1:${c.listenPort}`, '--log.level=warn'],
  }),
  version: () => {
    const run = spawnSync(PROMETHEUS_BIN, ['--version'], { encoding: 'utf8' });
    const first = (run.stdout || run.stderr || '').split('\n')[0].trim();
    return first || `prometheus ${debianVersion('prometheus') ?? 'unknown'}`;
  },
  notes: 'none (native-histogram scenario: --enable-feature=agent,native-histograms)',
};

/** BENCH_PEERS_SCRAPEWIRE / --scrapewire: auto, on or off. */
export type ScrapewireSwitch = 'auto' | 'on' | 'off';

/** The bundle `npm start` runs (package.json's start script), the one measured. */
export function scrapewireCli(root: string): string {
  return startCommand(root).script;
}

/** True when the built CLI lists a `run` command in its help. */
export function scrapewireHasRun(root: string): boolean {
  const cli = scrapewireCli(root);
  if (!fs.existsSync(cli)) return false;
  const help = spawnSync(process.execPath, [cli, 'help'], { encoding: 'utf8', timeout: 20_000 });
  return /^\s+run\b/m.test(`${help.stdout}\n${help.stderr}`);
}

/** scrapewire as npm start runs it; with `workers` > 1, `--scrape.workers=N` added (run only when named). */
function scrapewire(mode: ScrapewireSwitch, workers = 1): AgentSpec {
  const extra = workers > 1 ? [`--scrape.workers=${workers}`] : [];
  return {
    id: workers > 1 ? `scrapewire-workers${workers}` : 'scrapewire',
    name: ['scrapewire run', ...extra].join(' '),
    onlyWhenNamed: workers > 1 ? true : undefined,
    unavailable: (root) => {
      if (mode === 'off') return 'switched off (--scrapewire off)';
      if (!fs.existsSync(scrapewireCli(root))) return 'not available (dist/bundle/scrapewire.cjs not built: npm run build:bundle)';
      if (mode === 'auto' && !scrapewireHasRun(root)) return 'not available (no run command yet)';
      return undefined;
    },
    readyPath: '/-/ready',
    command: (c) => {
      // As npm start runs it, its environment (GLIBC_TUNABLES) included: `env NAME=VALUE node ...`.
      const [bin, ...words] = startCommand(c.root).argv;
      return { bin, args: [...words, 'run', `--config.file=${c.configFile}`, `--web.listen-address=127.0.0.1:${c.listenPort}`, `--storage.path=${c.dataDir}`, ...extra] };
    },
    version: (root) => {
      const run = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
      // dist/ is built from the working tree, which other engineers may be changing.
      const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'assembly'], { cwd: root, encoding: 'utf8' });
      const changes = dirty.status === 0 && dirty.stdout.trim() !== '' ? ' + uncommitted changes in src/ or assembly/' : '';
      const { nodeFlags, env } = startCommand(root);
      const envText = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
      return `scrapewire at ${run.status === 0 ? run.stdout.trim() : 'unknown commit'}${changes}, dist/bundle as built before the run, as npm start runs it: ${envText}node ${process.version}${nodeFlags.length > 0 ? ` ${nodeFlags.join(' ')}` : ''}`;
    },
    notes: extra.length > 0 ? extra.join(' ') : 'none',
    nativeJobSettings: { scrape_native_histograms: true },
  };
}

/**
 * In report order: vmagent's two modes first (the ratios are against vmagent's best). The last,
 * scrapewire with two scrape threads, runs only when `--agents` names it.
 */
export function allAgents(scrapewireSwitch: ScrapewireSwitch): AgentSpec[] {
  return [vmagent(false), vmagent(true), prometheusAgent, scrapewire(scrapewireSwitch), scrapewire(scrapewireSwitch, 2)];
}
