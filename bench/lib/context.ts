/** What every scenario prints above its table: machine, Node, date, payload. */
import * as os from 'node:os';

export function describeRun(scenario: string, payload: string): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    `### ${scenario}`,
    '',
    `${new Date().toISOString()} · ${cpu}, ${os.cpus().length} cores · Node ${process.version} · load ${os.loadavg()[0].toFixed(2)}`,
    `payload: ${payload}`,
  ].join('\n');
}

/** Payload size for a scenario: BENCH_PAYLOAD_SIZE (e.g. "100MB") or the default. */
export function payloadSizeFromEnv(fallback: string): string {
  return process.env.BENCH_PAYLOAD_SIZE ?? fallback;
}
