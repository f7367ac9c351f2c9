/** The reference parsers' output: plain objects, one per sample, for tests and benchmarks. */

import type { MetricType } from '../../src/core/types';
import type { Label } from '../../src/labels';

export interface RefExemplar {
  /** Sorted by name (byte order); no `__name__`. */
  labels: Label[];
  value: number;
  timestampMs?: number;
}

export interface RefSample {
  /** Sorted by name (byte order of the UTF-8 names); includes `['__name__', name]`. */
  labels: Label[];
  value: number;
  /** Text 0.0.4: as written. OpenMetrics: float seconds * 1000, rounded to the nearest integer. */
  timestampMs?: number;
  exemplar?: RefExemplar;
}

export interface RefFamily {
  name: string;
  /** `untyped` (text 0.0.4) is reported as `unknown`; no TYPE line is `unknown` too. */
  type: MetricType;
  /** Unescaped; absent when there is no HELP line or its text is empty. */
  help?: string;
  /** OpenMetrics only; absent when there is no UNIT line or it is empty. */
  unit?: string;
}

export interface RefParse {
  /** In order of first mention (a metadata line, or a sample that belongs to no known family). */
  families: RefFamily[];
  /** In input order, duplicates included. */
  samples: RefSample[];
  /** With ReferenceOptions.sampleFamilies: the index in `families` of each sample's family. */
  sampleFamilies?: number[];
}
