/** Prometheus relabel_configs, compiled once: see relabeler.ts for the entry points. */
export { compileRelabelConfigs, Relabeler } from './relabeler';
export type { CompileOptions } from './compile';
export type { NameValidation } from './label-names';
export type { RelabelAction, RelabelConfig } from './types';
