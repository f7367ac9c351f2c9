/**
 * Label-name rules the relabeler needs: validity under Prometheus's two name validation schemes,
 * and the byte (UTF-8) order label sets are sorted in.
 */
import { compareLabelNames } from '../labels';

/**
 * `utf8` (Prometheus 3 default): any non-empty, well-formed string is a label name.
 * `legacy`: `[a-zA-Z_][a-zA-Z0-9_]*`.
 */
export type NameValidation = 'utf8' | 'legacy';

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** In `u` mode a surrogate class matches only unpaired surrogates: text that is not valid UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/**
 * A legacy-scheme target that contains `$` references: starts with a letter, `_` or a reference,
 * then word characters and references. Written without nested quantifiers so that a long invalid
 * string cannot make V8's backtracking engine go exponential.
 */
const LEGACY_TARGET_WITH_REFERENCES = /^(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))(?:\w|\$(?:\{\w+\}|\w+))*$/;

export function isValidLabelName(name: string, scheme: NameValidation): boolean {
  if (scheme === 'legacy') return LEGACY_NAME.test(name);
  return name.length > 0 && !LONE_SURROGATE.test(name);
}

/**
 * Whether `target` is acceptable as a template that contains `$` references (checked at load;
 * the expanded name is checked again per series).
 */
export function isValidTargetTemplate(target: string, scheme: NameValidation): boolean {
  if (scheme === 'legacy') return LEGACY_TARGET_WITH_REFERENCES.test(target);
  return isValidLabelName(target, scheme);
}

/** Compares two strings in UTF-8 byte order (= code point order): see compareLabelNames. */
export const compareByteOrder = compareLabelNames;
