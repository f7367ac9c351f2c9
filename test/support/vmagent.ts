/**
 * Debian's vmagent (VictoriaMetrics 1.79) as a reference agent for discovery: started on a free
 * loopback port with a Prometheus-format scrape config, asked for its targets through its
 * Prometheus-compatible /api/v1/targets (active targets with discovered and final labels, and
 * dropped targets). It regenerates targets from its watch caches every
 * -promscrape.kubernetesSDCheckInterval (1 s here). Remote write goes to a closed port: only
 * its targets matter.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort } from '../helpers/receivers';

export const VMAGENT_BIN = process.env.SCRAPEWIRE_VMAGENT_BIN ?? '/usr/bin/vmagent';

export interface AgentTarget {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
}

export interface AgentTargets {
  activeTargets: AgentTarget[];
  droppedTargets: Array<{ discoveredLabels: Record<string, string> }>;
}

export class VmAgent {
  private child: ChildProcess | undefined;
  private log = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'scrapewire-vmagent-'));
  port = 0;

  static async start(config: string): Promise<VmAgent> {
    if (!existsSync(VMAGENT_BIN)) throw new Error(`${VMAGENT_BIN} is missing: install Debian's victoria-metrics package (.ci/run does)`);
    const agent = new VmAgent();
    await agent.run(config);
    return agent;
  }

  private async run(config: string): Promise<void> {
    writeFileSync(join(this.dir, 'prometheus.yml'), config);
    this.port = await freePort();
    const child = spawn(VMAGENT_BIN, [
      `-promscrape.config=${join(this.dir, 'prometheus.yml')}`,
      `-httpListenAddr=127.0.0.1:${this.port}`,
      `-remoteWrite.url=http://127.0.0.1:${await freePort()}/api/v1/write`,
      `-remoteWrite.tmpDataPath=${join(this.dir, 'data')}`,
      '-promscrape.kubernetesSDCheckInterval=1s',
      '-promscrape.httpSDCheckInterval=1s',
      '-loggerLevel=ERROR',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // Its duplicate-target reports are long lines the differential test reads back: keep plenty.
    const keep = (chunk: Buffer) => { this.log = (this.log + chunk.toString()).slice(-4_000_000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`vmagent exited with ${child.exitCode}:\n${this.log}`);
      try {
        const res = await request(`http://127.0.0.1:${this.port}/health`);
        await res.body.dump();
        if (res.statusCode === 200) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`vmagent not ready:\n${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  get output(): string {
    return this.log;
  }

  async targets(): Promise<AgentTargets> {
    const res = await request(`http://127.0.0.1:${this.port}/api/v1/targets`);
    const body = (await res.body.json()) as { data: AgentTargets };
    return body.data;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
