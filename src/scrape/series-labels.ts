/**
 * What happens to a scraped series' labels before it is stored, decided once per new series
 * (DESIGN invariant 3), as Prometheus's scrape loop does it:
 *   1. the target's labels (job, instance, static and relabeled target labels) are merged in:
 *      with honor_labels the scraped value wins; otherwise the target's value wins and the
 *      scraped one moves to `exported_<name>` (`exported_exported_<name>` if that is taken...);
 *   2. metric_relabel_configs run on the result (a drop is remembered by the core);
 *   3. label_limit, label_name_length_limit and label_value_length_limit are checked. A series
 *      over a limit fails the whole scrape; the scrape loop forgets it so the next scrape
 *      checks it again.
 */
import { ScrapewireError } from '../errors';
import { compareLabelNames } from '../labels';
import type { NewSeries, NewSeriesResolver, SeriesDecision } from '../core/types';
import type { Label } from '../labels';
import type { Relabeler } from '../relabel/relabeler';

const EXPORTED_PREFIX = 'exported_';

export interface LabelLimits {
  /** 0: no limit. Counts every label, `__name__` included, as Prometheus does. */
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
}

const KEEP: SeriesDecision = { action: 'keep' };
const DROP: SeriesDecision = { action: 'drop' };

/**
 * Merges target labels into a scraped label set (Prometheus's mutateSampleLabels). Labels with an
 * empty value are absent. Returns a new array sorted by name in byte order.
 */
export function mergeTargetLabels(scraped: readonly Label[], target: readonly Label[], honorLabels: boolean): Label[] {
  const merged = new Map<string, string>();
  for (const [name, value] of scraped) if (value !== '') merged.set(name, value);
  if (honorLabels) {
    for (const [name, value] of target) if (!merged.has(name) && value !== '') merged.set(name, value);
  } else {
    const conflicts: Label[] = [];
    for (const [name, value] of target) {
      const exposed = merged.get(name);
      if (exposed !== undefined) conflicts.push([name, exposed]);
      if (value === '') merged.delete(name);
      else merged.set(name, value);
    }
    // Shorter names first, so `exported_a` taken by a scraped label pushes `a` further out.
    conflicts.sort((a, b) => a[0].length - b[0].length);
    for (const [name, value] of conflicts) {
      let exported = name;
      do exported = EXPORTED_PREFIX + exported;
      while (merged.has(exported));
      merged.set(exported, value);
    }
  }
  return [...merged].sort((a, b) => compareLabelNames(a[0], b[0]));
}

/** The first limit `labels` breaks, as Prometheus words it, or undefined. */
export function labelLimitError(labels: readonly Label[], limits: LabelLimits): ScrapewireError | undefined {
  const metric = (labels.find(([name]) => name === '__name__')?.[1] ?? '').slice(0, 50);
  if (limits.labelLimit > 0 && labels.length > limits.labelLimit) {
    return new ScrapewireError('ERR_LABEL_LIMIT',
      `label_limit exceeded (metric: ${metric}, number of labels: ${labels.length}, limit: ${limits.labelLimit})`);
  }
  for (const [name, value] of labels) {
    const nameLength = Buffer.byteLength(name);
    if (limits.labelNameLengthLimit > 0 && nameLength > limits.labelNameLengthLimit) {
      return new ScrapewireError('ERR_LABEL_NAME_LENGTH_LIMIT',
        `label_name_length_limit exceeded (metric: ${metric}, label name: ${name.slice(0, 50)}, length: ${nameLength}, limit: ${limits.labelNameLengthLimit})`);
    }
    const valueLength = Buffer.byteLength(value);
    if (limits.labelValueLengthLimit > 0 && valueLength > limits.labelValueLengthLimit) {
      return new ScrapewireError('ERR_LABEL_VALUE_LENGTH_LIMIT',
        `label_value_length_limit exceeded (metric: ${metric}, label name: ${name.slice(0, 50)}, value: ${JSON.stringify(value.slice(0, 50))}, length: ${valueLength}, limit: ${limits.labelValueLengthLimit})`);
    }
  }
  return undefined;
}

export interface SeriesLabelerOptions {
  /** The target's labels (no `__` names), job and instance included. */
  targetLabels: readonly Label[];
  honorLabels: boolean;
  metricRelabeler?: Relabeler;
  limits: LabelLimits;
  /** global.external_labels: added to every series that lacks the label, after relabeling. */
  externalLabels?: readonly Label[];
  /** remote_write write_relabel_configs, after external labels (Prometheus' order). */
  writeRelabeler?: Relabeler;
}

/** External labels, then write relabeling: what every sent series goes through last. Null: dropped. */
export function finishLabels(labels: readonly Label[], external: readonly Label[], writeRelabeler: Relabeler | undefined): readonly Label[] | null {
  const withExternal = withExternalLabels(labels, external);
  if (writeRelabeler === undefined) return withExternal;
  const relabeled = writeRelabeler.process(withExternal);
  return relabeled === null || relabeled.length === 0 ? null : relabeled;
}

/** Adds each external label the series does not have (Prometheus' rule); sorted result. */
export function withExternalLabels(labels: readonly Label[], external: readonly Label[]): readonly Label[] {
  if (external.length === 0) return labels;
  const missing = external.filter(([name]) => !labels.some(([n]) => n === name));
  if (missing.length === 0) return labels;
  return [...labels, ...missing].sort((a, b) => compareLabelNames(a[0], b[0]));
}

/**
 * A resolver for one target's core. After each scrape, `violations` lists the refs that broke a
 * label limit (the caller forgets them and fails the scrape) and `firstViolation` says why.
 */
export class SeriesLabeler {
  readonly violations: number[] = [];
  firstViolation: ScrapewireError | undefined;
  /** Bound once: the core calls it with each scrape's batch of new series. */
  readonly resolve: NewSeriesResolver;

  constructor(private readonly options: SeriesLabelerOptions) {
    this.resolve = (batch) => this.decide(batch);
  }

  /** Clears the violations of the previous scrape. */
  reset(): void {
    this.violations.length = 0;
    this.firstViolation = undefined;
  }

  private decide(batch: readonly NewSeries[]): SeriesDecision[] {
    const { targetLabels, honorLabels, metricRelabeler, limits } = this.options;
    const decisions: SeriesDecision[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const scraped = batch[i].labels;
      const merged = targetLabels.length === 0 ? scraped : mergeTargetLabels(scraped, targetLabels, honorLabels);
      const relabeled = metricRelabeler === undefined ? merged : metricRelabeler.process(merged);
      if (relabeled === null || relabeled.length === 0) {
        decisions[i] = DROP;
        continue;
      }
      const violation = labelLimitError(relabeled, limits);
      if (violation !== undefined) {
        this.violations.push(batch[i].ref);
        this.firstViolation ??= violation;
        decisions[i] = DROP;
        continue;
      }
      const final = finishLabels(relabeled, this.options.externalLabels ?? [], this.options.writeRelabeler);
      if (final === null) {
        decisions[i] = DROP;
        continue;
      }
      decisions[i] = final === scraped ? KEEP : { action: 'rewrite', labels: [...final] };
    }
    return decisions;
  }
}
