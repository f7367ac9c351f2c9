/**
 * The demo source: GET /demo/metrics on the collector's own server, a small application-like page
 * that changes over time (counters grow, a histogram fills, a "pod" comes and goes every minute)
 * so the default configuration shows scraping, interning, staleness and delivery with nothing
 * else running.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const ROUTES = ['/', '/api/orders', '/api/users', '/healthz'];

export class DemoSource {
  private readonly started = Date.now();
  private requests = 0;

  /** The page at `now` (ms). */
  render(now = Date.now()): string {
    const seconds = (now - this.started) / 1000;
    this.requests++;
    const lines: string[] = [];
    lines.push('# HELP demo_http_requests_total Requests served by the demo application.');
    lines.push('# TYPE demo_http_requests_total counter');
    ROUTES.forEach((route, i) => {
      for (const code of ['200', '500']) {
        const rate = code === '200' ? 10 * (i + 1) : 0.1 * (i + 1);
        lines.push(`demo_http_requests_total{route="${route}",code="${code}"} ${Math.floor(seconds * rate)}`);
      }
    });
    lines.push('# HELP demo_request_duration_seconds Request latency of the demo application.');
    lines.push('# TYPE demo_request_duration_seconds histogram');
    const total = Math.floor(seconds * 25);
    BUCKETS.forEach((le, i) => {
      lines.push(`demo_request_duration_seconds_bucket{le="${le}"} ${Math.floor((total * (i + 1)) / (BUCKETS.length + 1))}`);
    });
    lines.push(`demo_request_duration_seconds_bucket{le="+Inf"} ${total}`);
    lines.push(`demo_request_duration_seconds_sum ${(total * 0.087).toFixed(3)}`);
    lines.push(`demo_request_duration_seconds_count ${total}`);
    lines.push('# HELP demo_pod_memory_bytes Memory of the demo pods; one pod is replaced every minute.');
    lines.push('# TYPE demo_pod_memory_bytes gauge');
    const generation = Math.floor(seconds / 60);
    for (let pod = 0; pod < 3; pod++) {
      const name = pod === 0 ? `demo-${generation}` : `demo-stable-${pod}`;
      lines.push(`demo_pod_memory_bytes{pod="${name}"} ${50_000_000 + pod * 1_000_000 + Math.round(Math.sin(seconds / 10 + pod) * 1e6)}`);
    }
    lines.push('# HELP demo_scrapes_served_total Times this page was rendered.');
    lines.push('# TYPE demo_scrapes_served_total counter');
    lines.push(`demo_scrapes_served_total ${this.requests}`);
    return `${lines.join('\n')}\n`;
  }

  handle(_req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(this.render());
  }
}
