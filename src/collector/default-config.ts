/**
 * The bundled default configuration: what `scrapewire` and `npm start` run with no config file.
 * It works with nothing else installed or running: the collector scrapes its own /metrics and
 * a demo page it serves itself, every second, and delivers to its built-in remote-write sink
 * (see sink.ts), whose /sink page shows what arrived. `--config.file` replaces all of it; a
 * single `remote_write` URL there points the same setup at a real store.
 *
 * Kept as text in the code (not a file beside it) so the single executable carries it too.
 */
export function defaultConfigText(listen: { host: string; port: number }): string {
  const host = listen.host === '' || listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
  const address = host.includes(':') ? `[${host}]:${listen.port}` : `${host}:${listen.port}`;
  return `# scrapewire's bundled default configuration (Prometheus format).
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  external_labels:
    collector: scrapewire

scrape_configs:
  # scrapewire's own metrics (process, GC, event loop, scrapes, remote write).
  - job_name: scrapewire
    static_configs:
      - targets: ['${address}']

  # A small application-like page served by scrapewire itself (counters, a histogram, and a pod
  # replaced every minute, so staleness shows too).
  - job_name: demo
    metrics_path: /demo/metrics
    static_configs:
      - targets: ['${address}']
        labels:
          env: demo

remote_write:
  # The built-in sink on scrapewire's own web server: see http://${address}/sink
  - url: http://${address}/api/v1/write
    name: builtin-sink
    protobuf_message: io.prometheus.write.v2.Request
`;
}

export const DEFAULT_CONFIG_NAME = '<bundled default config>';
