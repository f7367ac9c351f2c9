/** Label pairs as parsed (with their positions, for messages) and the sorted form handed out. */

import type { Label } from '../../src/labels';
import { compareUtf8, type LineCursor } from './cursor';

export interface ParsedLabel {
  name: string;
  value: string;
  /** Byte offsets in the input of the label's name and of its value's opening quote. */
  nameAt: number;
  valueAt: number;
}

/** A sample's series as written: its metric name and its labels in input order. */
export interface ParsedSeries {
  name: string;
  nameAt: number;
  labels: ParsedLabel[];
}

/**
 * Adds a label, failing on a repeated name. `__name__` counts as taken by the metric name
 * whenever there is one (`a{__name__="b"}` names the series twice).
 */
export function addLabel(line: LineCursor, labels: ParsedLabel[], label: ParsedLabel, hasMetricName: boolean): void {
  if (label.name === '') line.fail('label name must not be empty', label.nameAt);
  if ((hasMetricName && label.name === '__name__') || labels.some((other) => other.name === label.name)) {
    line.fail(`duplicate label name ${JSON.stringify(label.name)}`, label.nameAt);
  }
  labels.push(label);
}

/** The label set sorted by name, `__name__` included when `name` is given. */
export function sortedLabels(labels: readonly ParsedLabel[], name?: string): Label[] {
  const pairs: Label[] = labels.map((label) => [label.name, label.value] as const);
  if (name !== undefined) pairs.push(['__name__', name]);
  return pairs.sort((a, b) => compareUtf8(a[0], b[0]));
}

export function findLabel(labels: readonly ParsedLabel[], name: string): ParsedLabel | undefined {
  return labels.find((label) => label.name === name);
}
