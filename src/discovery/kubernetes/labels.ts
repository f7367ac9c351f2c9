/**
 * Label helpers shared by every Kubernetes role, spelled as Prometheus's discovery/kubernetes
 * spells them: `__meta_kubernetes_<role>_name`, `_label_<name>`, `_labelpresent_<name>`,
 * `_annotation_<name>`, `_annotationpresent_<name>`, with label and annotation keys sanitized
 * (every character outside [a-zA-Z0-9_] becomes `_`, one per character).
 */
import { isIP } from 'node:net';
import { dict, str, type ObjectMeta, type OwnerReference } from './objects';
import type { LabelSet } from '../types';

export const META = '__meta_kubernetes_';
export const NAMESPACE_LABEL = `${META}namespace`;

export function sanitizeLabelName(name: string): string {
  // Go's regexp works on runes: one underscore per code point, as the `u` flag gives.
  return name.replace(/[^a-zA-Z0-9_]/gu, '_');
}

/** `<prefix>_label_*`, `_labelpresent_*`, `_annotation_*`, `_annotationpresent_*`. */
export function addLabelsAndAnnotations(set: LabelSet, meta: ObjectMeta | undefined, resource: string): void {
  for (const [key, value] of Object.entries(dict(meta?.labels))) {
    const name = sanitizeLabelName(key);
    set[`${META}${resource}_label_${name}`] = value;
    set[`${META}${resource}_labelpresent_${name}`] = 'true';
  }
  for (const [key, value] of Object.entries(dict(meta?.annotations))) {
    const name = sanitizeLabelName(key);
    set[`${META}${resource}_annotation_${name}`] = value;
    set[`${META}${resource}_annotationpresent_${name}`] = 'true';
  }
}

/** The object's name, labels and annotations under its role's prefix. */
export function addObjectMetaLabels(set: LabelSet, meta: ObjectMeta | undefined, role: string): void {
  set[`${META}${role}_name`] = str(meta?.name);
  addLabelsAndAnnotations(set, meta, role);
}

/** The owner reference marked as controller, as metav1.GetControllerOf. */
export function controllerOf(meta: ObjectMeta | undefined): OwnerReference | undefined {
  return (meta?.ownerReferences ?? []).find((ref) => ref.controller === true);
}

/** Go's net.JoinHostPort: an IPv6 address (anything with a colon) in brackets. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') || isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
