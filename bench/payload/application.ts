/**
 * An application-like page, as client_golang writes it: a preamble of process_* and go_*
 * series, then counters, histograms (cumulative buckets, _sum, _count) and summaries
 * (quantiles, _sum, _count) over the same label sets, labels sorted by name, no timestamps.
 * One unit is one label set: (code, handler, method, tenant).
 */
import { FamilyModel, PageModel, PageWriter, RenderContext, header, label, sampleLine } from './model';
import { formatGoFloat } from './go-float';
import { Rng } from './prng';
import { seconds } from './values';

export interface ApplicationUnit {
  /** `code="...",handler="..."`: the labels sorted before `le`. */
  readonly codeHandler: string;
  /** `method="..."`. */
  readonly method: string;
  /** `tenant="..."`: sorted after `quantile`. */
  readonly tenant: string;
  /** Requests per scrape interval, the scale of this unit's counts. */
  readonly rate: number;
}

const RESOURCES = ['users', 'orders', 'carts', 'products', 'invoices', 'sessions', 'search', 'reports', 'webhooks', 'tokens'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
const CODES = ['200', '200', '200', '200', '201', '204', '301', '400', '401', '403', '404', '409', '429', '500', '502', '503'];
const DURATION_BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const SIZE_BUCKETS = ['100', '1000', '10000', '100000', '1e+06', '1e+07', '1e+08', '+Inf'];
const QUANTILES = ['0.5', '0.9', '0.99'];

function makeUnit(index: number, rng: Rng): ApplicationUnit {
  const resource = rng.pick(RESOURCES);
  const handler = rng.chance(0.5) ? `/api/v${rng.range(1, 3)}/${resource}/:id` : `/api/v${rng.range(1, 3)}/${resource}/${rng.pick(RESOURCES)}`;
  return {
    codeHandler: `${label('code', rng.pick(CODES))},${label('handler', handler)}`,
    method: label('method', rng.pick(METHODS)),
    // The tenant carries the unit's index, so label sets never collide.
    tenant: label('tenant', `t-${index.toString(36)}-${rng.alnum(6)}`),
    rate: Math.floor(Math.exp(rng.next() * Math.log(1e7))),
  };
}

/** Writes a cumulative histogram: buckets, _sum and _count. */
function histogram(name: string, help: string, buckets: readonly string[], sumScale: number): FamilyModel<ApplicationUnit> {
  return {
    header: header(name, 'histogram', help),
    render({ unit: u, values }: RenderContext<ApplicationUnit>, out: PageWriter): void {
      const total = u.rate + values.int(u.rate + 1);
      let cumulative = 0;
      for (let i = 0; i < buckets.length; i++) {
        const last = i === buckets.length - 1;
        cumulative = last ? total : cumulative + Math.floor((total - cumulative) * values.next() * 0.6);
        out.sample(sampleLine(`${name}_bucket`, `${u.codeHandler},le="${buckets[i]}",${u.method},${u.tenant}`, formatGoFloat(cumulative)));
      }
      const labels = `${u.codeHandler},${u.method},${u.tenant}`;
      out.sample(sampleLine(`${name}_sum`, labels, seconds(values, total * sumScale)));
      out.sample(sampleLine(`${name}_count`, labels, formatGoFloat(total)));
    },
  };
}

function summary(name: string, help: string): FamilyModel<ApplicationUnit> {
  return {
    header: header(name, 'summary', help),
    render({ unit: u, values }: RenderContext<ApplicationUnit>, out: PageWriter): void {
      let quantileValue = values.nextDouble() * 0.05;
      for (const quantile of QUANTILES) {
        out.sample(sampleLine(name, `${u.codeHandler},${u.method},quantile="${quantile}",${u.tenant}`, formatGoFloat(quantileValue)));
        quantileValue *= 1 + values.next() * 4;
      }
      const total = u.rate + values.int(u.rate + 1);
      const labels = `${u.codeHandler},${u.method},${u.tenant}`;
      out.sample(sampleLine(`${name}_sum`, labels, seconds(values, total * 0.1)));
      out.sample(sampleLine(`${name}_count`, labels, formatGoFloat(total)));
    },
  };
}

function simple(name: string, type: 'counter' | 'gauge', help: string, value: (values: Rng, unit: ApplicationUnit) => string): FamilyModel<ApplicationUnit> {
  return {
    header: header(name, type, help),
    render({ unit: u, values }: RenderContext<ApplicationUnit>, out: PageWriter): void {
      out.sample(sampleLine(name, `${u.codeHandler},${u.method},${u.tenant}`, value(values, u)));
    },
  };
}

function preamble(values: Rng, out: PageWriter): void {
  out.raw(header('go_gc_duration_seconds', 'summary', 'A summary of the pause duration of garbage collection cycles.'));
  for (const quantile of ['0', '0.25', '0.5', '0.75', '1']) {
    out.sample(sampleLine('go_gc_duration_seconds', `quantile="${quantile}"`, seconds(values, 0.01)));
  }
  out.sample(sampleLine('go_gc_duration_seconds_sum', '', seconds(values, 100)));
  out.sample(sampleLine('go_gc_duration_seconds_count', '', formatGoFloat(values.int(1e6))));
  out.raw(header('go_goroutines', 'gauge', 'Number of goroutines that currently exist.'));
  out.sample(sampleLine('go_goroutines', '', formatGoFloat(values.range(10, 5000))));
  out.raw(header('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.'));
  out.sample(sampleLine('process_cpu_seconds_total', '', seconds(values, 1e5)));
  out.raw(header('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.'));
  out.sample(sampleLine('process_resident_memory_bytes', '', formatGoFloat(values.range(5e7, 8e9))));
  out.raw(header('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.'));
  out.sample(sampleLine('process_start_time_seconds', '', seconds(values, 1.7e9)));
}

const FAMILIES: FamilyModel<ApplicationUnit>[] = [
  simple('http_requests_total', 'counter', 'Total number of HTTP requests by status code, handler, method and tenant.', (values, u) => formatGoFloat(u.rate * 1000 + values.int(u.rate + 1))),
  histogram('http_request_duration_seconds', 'Latency of HTTP requests.', DURATION_BUCKETS, 0.2),
  histogram('http_response_size_bytes', 'Size of HTTP responses.', SIZE_BUCKETS, 20000),
  summary('http_request_db_seconds', 'Time spent in database calls per HTTP request.'),
  simple('http_requests_in_flight', 'gauge', 'Requests being served.', (values) => (values.chance(0.6) ? '0' : formatGoFloat(values.range(1, 50)))),
  simple('http_request_errors_total', 'counter', 'Requests that ended in an error.', (values) => (values.chance(0.85) ? '0' : formatGoFloat(values.range(1, 1e6)))),
];

export const applicationModel: PageModel<ApplicationUnit> = {
  preamble,
  families: FAMILIES,
  unit: makeUnit,
};
