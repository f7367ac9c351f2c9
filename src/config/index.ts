/** Configuration: loading, validation, defaults, redaction and file-based discovery. */
export * from './types';
export { ConfigError, formatProblem } from './errors';
export { defaultConfig, loadConfigFile, parseConfig, type ParseOptions } from './load';
export { redactConfig, SECRET_PLACEHOLDER } from './redact';
export { FileSd, FILE_PATH_LABEL, parseTargetFile } from '../discovery/file-sd';
export { formatDuration, parseDuration, parseSize } from './units';
export type { ConfigProblem } from './yaml-reader';
