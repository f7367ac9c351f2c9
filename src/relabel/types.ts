/**
 * Prometheus relabel_config, as written in YAML (snake_case field names), shared by the config
 * loader (src/config/) and the relabel compiler (src/relabel/).
 */
export type RelabelAction =
  | 'replace'
  | 'keep'
  | 'drop'
  | 'keepequal'
  | 'dropequal'
  | 'hashmod'
  | 'labelmap'
  | 'labeldrop'
  | 'labelkeep'
  | 'lowercase'
  | 'uppercase';

/** One Prometheus relabel rule, as written in YAML. */
export interface RelabelConfig {
  source_labels?: string[];
  /** Default ';'. */
  separator?: string;
  target_label?: string;
  /** Anchored on both ends; default '(.*)'. */
  regex?: string;
  /** Required for hashmod. */
  modulus?: number;
  /** Default '$1'. */
  replacement?: string;
  /** Default 'replace'. */
  action?: RelabelAction;
}
