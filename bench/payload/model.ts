/**
 * The shape shared by the page models (cAdvisor, kube-state-metrics, application).
 *
 * A page is a list of metric families. Each family renders a few sample lines per "unit" (a
 * container, a pod, a route of an application); the same units appear in every family, as on a
 * real exporter's page where the families are grouped and the series repeat across them. The
 * driver (generate.ts) picks how many units make the requested size.
 *
 * A unit's identity (its labels) comes from its own seeded stream: it depends on the seed, the
 * unit's index and its generation (how many times churn renamed it), never on the page size.
 * Values come from a stream per scrape, so two scrapes differ in values but not in series.
 */
import { Rng } from './prng';

/** Collects the lines of the page as a string and counts the sample lines. */
export class PageWriter {
  text = '';
  samples = 0;

  /** Appends a sample line (without its newline). */
  sample(line: string): void {
    this.text += line + '\n';
    this.samples++;
  }

  /** Appends comment lines (HELP/TYPE), newline included. */
  raw(lines: string): void {
    this.text += lines;
  }
}

/** Everything a family's render function may use besides the unit itself. */
export interface RenderContext<Unit> {
  readonly unit: Unit;
  /** The values' stream of this scrape (shared by the whole page, consumed in page order). */
  readonly values: Rng;
  /** The scrape's timestamp in milliseconds, for exporters that write timestamps. */
  readonly timestampMs: number;
}

export interface FamilyModel<Unit> {
  /** `# HELP` and `# TYPE` lines, newline included. */
  readonly header: string;
  /** Writes this family's lines for one unit. */
  render(context: RenderContext<Unit>, out: PageWriter): void;
}

export interface PageModel<Unit> {
  /** Families rendered once at the top of the page, not per unit (process_* and the like). */
  readonly preamble?: (values: Rng, out: PageWriter) => void;
  readonly families: readonly FamilyModel<Unit>[];
  /** The unit's identity: labels derived from `rng` only (seeded by seed, index and generation). */
  unit(index: number, rng: Rng): Unit;
}

/** Renders `name{labels} value` with an optional timestamp. */
export function sampleLine(name: string, labels: string, value: string, timestampMs?: number): string {
  const base = labels === '' ? `${name} ${value}` : `${name}{${labels}} ${value}`;
  return timestampMs === undefined ? base : `${base} ${timestampMs}`;
}

/** `# HELP` and `# TYPE` lines for a family. */
export function header(name: string, type: string, help: string): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
}

/** `name="value"` with the text format's escaping of backslash, quote and newline. */
export function label(name: string, value: string): string {
  if (/[\\"\n]/.test(value)) value = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `${name}="${value}"`;
}
