/**
 * Results of the whole-process comparison: the shape of bench/peers/results.json, the markdown
 * section of bench/RESULTS.md ("## Whole-process comparison", regenerated in place by every run;
 * the other sections are left as they are), and the charts' data.
 */
import * as fs from 'node:fs';
import { lineChartSvg, type ChartPoint, type ChartSeries } from './charts';

export const SECTION_HEADING = '## Whole-process comparison';

export interface ScenarioSpec {
  id: string;
  title: string;
  kind: string;
  sizeBytes: number;
  targets: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  durationSeconds: number;
  churnPercent: number;
  /** Part of the payload-size series (the charts' x axis). */
  sizeSeries: boolean;
  /**
   * The native-histogram scenario: a protobuf page with native histograms (sizeBytes: the text
   * page it is made from), scraped and sent as native histograms, received by Prometheus.
   */
  native?: boolean;
}

export interface AgentRun {
  agent: string;
  agentName: string;
  /** Set when the agent did not run (not installed, no run command) or failed. */
  skipped?: string;
  error?: string;
  peakRssBytes?: number;
  avgRssBytes?: number;
  cpuSeconds?: number;
  cpuSecondsPerScrape?: number;
  mbParsedPerCpuSecond?: number;
  scrapesDone?: number;
  scrapesScheduled?: number;
  scrapesAborted?: number;
  /** Responses sent gzip-encoded (the agent asked for gzip). */
  gzipResponses?: number;
  bytesServed?: number;
  samplesExpected?: number;
  samplesReceived?: number;
  seriesReceived?: number;
  /** Against the reference agent's set (the first agent with a result): digests only in this/that agent. */
  seriesOnlyHere?: number;
  seriesOnlyInReference?: number;
  seriesReference?: string;
  windowSeconds?: number;
  drainSeconds?: number;
  harnessCpuSeconds?: number;
  rssSamples?: number;
  /** The agent's last output lines when it lost samples, missed scrapes or failed. */
  logTail?: string;
}

export interface ScenarioResult {
  scenario: ScenarioSpec;
  runs: AgentRun[];
  /** When and how this scenario was run (scenarios of earlier runs are kept with --merge). */
  ranAt?: string;
  command?: string;
  load?: { before: number[]; after: number[] };
  /** CPU pinning (--agent-cpus): the agent's CPUs and the harness's (target server, receiver). */
  cpus?: { agent: string; harness: string };
}

export interface RunReport {
  date: string;
  machine: string;
  node: string;
  commit: string;
  command: string;
  loadBefore: number[];
  loadAfter: number[];
  agentVersions: Record<string, string>;
  agentNotes: Record<string, string>;
  gzipLevel: number;
  neverGzip: boolean;
  scenarios: ScenarioResult[];
}

const MB = 1e6;

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function ratio(value: number | undefined, base: number | undefined): string {
  if (value === undefined || base === undefined || !(base > 0) || !Number.isFinite(value)) return '–';
  return `${(value / base).toFixed(2)}x`;
}

function int(value: number | undefined): string {
  return value === undefined ? '–' : value.toLocaleString('en-US');
}

/** The smallest value among vmagent's modes (its best), undefined if none ran. */
export function vmagentBest(runs: readonly AgentRun[], pick: (r: AgentRun) => number | undefined): number | undefined {
  const values = runs.filter((r) => r.agent.startsWith('vmagent') && !r.skipped && !r.error).map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v) && v > 0);
  return values.length === 0 ? undefined : Math.min(...values);
}

export function seriesAgreement(run: AgentRun): string {
  if (run.seriesReceived === undefined) return '–';
  if (run.seriesReference === undefined || run.seriesReference === run.agent) return `reference (${int(run.seriesReceived)})`;
  const here = run.seriesOnlyHere ?? 0;
  const there = run.seriesOnlyInReference ?? 0;
  return here === 0 && there === 0 ? `yes (${int(run.seriesReceived)})` : `no: ${here + there} differ (+${here} / −${there} vs ${run.seriesReference})`;
}

function scenarioLine(s: ScenarioSpec): string {
  const size = s.sizeBytes >= MB ? `${s.sizeBytes / MB} MB` : `${s.sizeBytes / 1e3} KB`;
  return `${s.kind}, ${s.targets} target${s.targets > 1 ? 's' : ''} × ${size}, every ${s.intervalSeconds} s (timeout ${s.timeoutSeconds} s) for ${s.durationSeconds} s${s.churnPercent > 0 ? `, churn ${s.churnPercent}% per scrape` : ''}`;
}

/** Up to two distinct warning/error messages from an agent's log tail, timestamps and addresses removed. */
export function logHints(tail: string | undefined): string[] {
  if (!tail) return [];
  const seen = new Set<string>();
  for (const line of tail.split('\n')) {
    if (!/error|warn|fail|timed out|timeout|cannot|dropp/i.test(line)) continue;
    // The harness answers 503 after the window closes: expected, not a finding.
    if (/\b503\b/.test(line)) continue;
    let message = line;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      message = [entry.msg, entry.err].filter((v) => typeof v === 'string').join(': ');
    } catch {
      // A JSON line cut at the start of the kept tail says nothing reliable; other lines (vmagent, Prometheus) are kept.
      if (/^[^{].*"(msg|level)":/.test(line)) continue;
    }
    message = message
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z?/g, '')
      .replace(/ts=\S+\s*/g, '')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 220);
    if (message !== '') seen.add(message);
    if (seen.size >= 2) break;
  }
  return [...seen];
}

export function scenarioTable(result: ScenarioResult): string {
  const bestRss = vmagentBest(result.runs, (r) => r.peakRssBytes);
  const bestCpu = vmagentBest(result.runs, (r) => r.cpuSecondsPerScrape);
  const rows: string[] = [];
  rows.push('| agent | peak RSS MB | avg RSS MB | CPU s/scrape | MB parsed per CPU s | scrapes done/scheduled | samples received/expected | loss | series set agrees | peak RSS vs vmagent best | CPU vs vmagent best | harness CPU s |');
  rows.push('|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|');
  for (const r of result.runs) {
    if (r.skipped || r.error) {
      rows.push(`| ${r.agentName} | ${r.skipped ? (r.skipped.startsWith('left out') ? r.skipped : `pending: ${r.skipped}`) : `failed: ${r.error!.split('\n')[0].slice(0, 160).replace(/\|/g, '\\|')}`} | | | | | | | | | | |`);
      continue;
    }
    const loss = r.samplesExpected && r.samplesReceived !== undefined ? `${(100 * (1 - r.samplesReceived / r.samplesExpected)).toFixed(2)}%` : '–';
    rows.push(
      `| ${r.agentName} | ${fixed(r.peakRssBytes! / MB, 0)} | ${fixed(r.avgRssBytes! / MB, 0)} | ${r.cpuSecondsPerScrape === undefined ? '–' : r.cpuSecondsPerScrape < 0.1 ? r.cpuSecondsPerScrape.toPrecision(3) : r.cpuSecondsPerScrape.toFixed(3)} | ${fixed(r.mbParsedPerCpuSecond, 1)} | ${r.scrapesDone}/${r.scrapesScheduled}${r.scrapesAborted ? ` (${r.scrapesAborted} aborted)` : ''} | ${int(r.samplesReceived)}/${int(r.samplesExpected)} | ${loss} | ${seriesAgreement(r)} | ${ratio(r.peakRssBytes, bestRss)} | ${ratio(r.cpuSecondsPerScrape, bestCpu)} | ${fixed(r.harnessCpuSeconds, 1)} |`,
    );
  }
  const notes: string[] = [];
  for (const r of result.runs) {
    const lines = logHints(r.logTail);
    if (lines.length > 0) notes.push(`- ${r.agentName} logged: ${lines.map((l) => `\`${l.replace(/`/g, "'")}\``).join('; ')}`);
  }
  const when = result.ranAt ? ` Run ${result.ranAt}${result.load ? `, load ${result.load.before.map((l) => l.toFixed(2)).join(' ')} before and ${result.load.after.map((l) => l.toFixed(2)).join(' ')} after` : ''}${result.command ? `: \`${result.command}\`` : ''}.` : '';
  const pinned = result.cpus ? ` Each agent ran on CPU ${result.cpus.agent} only; the harness (target server) and the receiver on CPU ${result.cpus.harness}.` : '';
  return `### ${result.scenario.title}\n\n${scenarioLine(result.scenario)}.${when}${pinned}\n\n${rows.join('\n')}\n${notes.length > 0 ? `\n${notes.join('\n')}\n` : ''}`;
}

/**
 * markdownSection(report, reading): `reading` is hand-written text about the figures
 * (bench/peers/READING.md), kept across regenerations and printed after the tables.
 */
export function markdownSection(report: RunReport, reading?: string): string {
  const out: string[] = [];
  out.push(SECTION_HEADING);
  out.push('');
  out.push(`Regenerated by \`npm run bench:peers\` (bench/peers/run.ts) on every run; the figures below are from one run.`);
  out.push('');
  out.push(`- Date: ${report.date} (latest run; each table names its own run). Commit ${report.commit}.`);
  out.push(`- Machine: ${report.machine}.`);
  out.push(`- Node ${report.node}.`);
  out.push(`- Command (latest run): \`${report.command}\`; with \`--merge\` a run replaces only its own scenarios' tables.`);
  out.push(`- Load average (1/5/15 min) before: ${report.loadBefore.map((l) => l.toFixed(2)).join(' ')}; after: ${report.loadAfter.map((l) => l.toFixed(2)).join(' ')}.`);
  out.push(`- **Shared machine**: other engineers' builds and jest runs may share the 2 cores; the target server (page generation${report.neverGzip ? '' : `, gzip level ${report.gzipLevel}`}) and the VictoriaMetrics receiver run on the same machine as the agent. Ratios within a table are more trustworthy than absolute figures.`);
  out.push('- Agents:');
  for (const [id, version] of Object.entries(report.agentVersions)) out.push(`  - ${id}: ${version}; extra flags: ${report.agentNotes[id] ?? 'none'}`);
  out.push('');
  out.push('How it is measured: every agent gets the same Prometheus-format config (one job, static targets on a loopback');
  out.push('target server, scrape_interval, scrape_timeout, honor_timestamps: false, remote_write to a fresh VictoriaMetrics');
  out.push('single-node per agent run). The window opens at the first request to the target server and closes');
  out.push('`duration − interval/2` later, after which the target answers 503; pages already being served finish. The agent');
  out.push('then drains until the receiver\'s count is stable. RSS is VmRSS of the agent and its children every 100 ms');
  out.push('(peak: whole run including the drain; average: the window). CPU is utime+stime from the window\'s opening to the');
  out.push('end of the drain (so it includes remote-writing the window\'s pages), divided by the pages served completely.');
  out.push('"Scrapes done" are pages the target server sent completely before the cutoff; an agent can still fail a page');
  out.push('after the last byte left the server (a scrape timeout while it parses the tail), which then shows as loss, not as');
  out.push('a missed scrape. "Scheduled" counts the slots from each target\'s scrape phase (estimated from the arrivals) to the cutoff.');
  out.push('"Harness CPU s" is the benchmark process itself over the agent\'s whole run (start, window and drain): almost all');
  out.push('of it is the target server generating and gzipping pages, shown so a reader can see the harness was not the bottleneck.');
  out.push('"MB parsed per CPU s" uses uncompressed page bytes. Samples expected are the sample lines of the pages served');
  out.push('completely; samples received are `sum(count_over_time(...))` of the page\'s series (not up/scrape_*; stale markers');
  out.push('are not counted). The series set is compared, as SHA-1 digests of sorted label sets, with the first agent in the table.');
  out.push('Ratios are the row\'s value over the better of vmagent\'s two modes (lower is better for both).');
  out.push('');
  for (const scenario of report.scenarios) {
    out.push(scenarioTable(scenario));
  }
  if (reading && reading.trim() !== '') {
    out.push(reading.trim());
    out.push('');
  }
  const hasCharts = report.scenarios.filter((s) => s.scenario.sizeSeries).length >= 1;
  if (hasCharts) {
    out.push('Charts (payload-size scenarios): `bench/charts/peers-memory.svg`, `bench/charts/peers-cpu.svg`.');
    out.push('');
    out.push('![peak RSS vs page size](charts/peers-memory.svg)');
    out.push('![CPU per scrape vs page size](charts/peers-cpu.svg)');
    out.push('');
  }
  return out.join('\n');
}

/** Replaces the section (up to the next "## " heading or the end) or appends it. */
export function replaceSection(document: string, section: string): string {
  const body = section.endsWith('\n') ? section : `${section}\n`;
  const start = document.search(/^## Whole-process comparison\s*$/m);
  if (start < 0) return `${document.replace(/\n*$/, '\n\n')}${body}`;
  const rest = document.slice(start + SECTION_HEADING.length);
  const next = rest.search(/^## /m);
  const tail = next < 0 ? '' : `\n${rest.slice(next)}`;
  return `${document.slice(0, start)}${body}${tail}`;
}

export function writeResultsMarkdown(file: string, section: string): void {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n';
  fs.writeFileSync(file, replaceSection(current, section));
}

/** Per agent, (page MB, value) over the size scenarios, for the charts. */
export function sizeSeries(report: RunReport, pick: (r: AgentRun) => number | undefined): ChartSeries[] {
  const byAgent = new Map<string, ChartSeries>();
  for (const s of report.scenarios) {
    if (!s.scenario.sizeSeries) continue;
    for (const r of s.runs) {
      if (r.skipped) continue;
      let series = byAgent.get(r.agentName);
      if (!series) {
        series = { name: r.agentName, points: [] };
        byAgent.set(r.agentName, series);
      }
      const y = r.error ? undefined : pick(r);
      const lossy = (r.samplesExpected ?? 0) > 0 && (r.samplesReceived ?? 0) < 0.99 * r.samplesExpected!;
      const missed = (r.scrapesDone ?? 0) < (r.scrapesScheduled ?? 0);
      const flag = lossy || missed ? 'the run lost samples or missed scrapes (see the table)' : undefined;
      if (y !== undefined && Number.isFinite(y)) (series.points as ChartPoint[]).push({ x: s.scenario.sizeBytes / MB, y, ...(flag ? { flag } : {}) });
    }
  }
  return [...byAgent.values()];
}

export function chartFiles(report: RunReport): Array<{ name: string; svg: string }> {
  return [
    {
      name: 'peers-memory.svg',
      svg: lineChartSvg({ title: 'Peak RSS vs page size (one target)', xLabel: 'page size, MB (uncompressed)', yLabel: 'peak RSS, MB', series: sizeSeries(report, (r) => (r.peakRssBytes === undefined ? undefined : r.peakRssBytes / MB)) }),
    },
    {
      name: 'peers-cpu.svg',
      svg: lineChartSvg({ title: 'CPU per scrape vs page size (one target)', xLabel: 'page size, MB (uncompressed)', yLabel: 'CPU seconds per scrape', series: sizeSeries(report, (r) => r.cpuSecondsPerScrape) }),
    },
  ];
}
