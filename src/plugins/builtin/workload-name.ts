/**
 * The workload a pod belongs to, guessed from the pod's name alone: what cAdvisor's series
 * carry (`pod`, `namespace`), without asking the API server for owner references.
 *
 * Kubernetes names the pods of its controllers predictably; the suffix is stripped by the
 * first rule that matches, in this order:
 *
 * | owner                    | pod name                                  | rule                                   |
 * |--------------------------|-------------------------------------------|----------------------------------------|
 * | static (mirror) pod      | `kube-apiserver-<nodeName>`               | ends with `-<nodeName>` (when known)   |
 * | CronJob (through a Job)  | `<cronjob>-<minutes since epoch>-<5>`     | `-\d{8,}-<5 safe>`                     |
 * | Deployment (ReplicaSet)  | `<deployment>-<pod-template-hash>-<5>`    | `-<6..10 safe>-<5 safe>`               |
 * | DaemonSet, Job           | `<name>-<5>`                              | `-<5 safe>`                            |
 * | StatefulSet              | `<name>-<ordinal>`                        | `-\d+`                                 |
 * | bare pod                 | anything else                             | the pod name itself                    |
 *
 * "safe" is the alphabet of Kubernetes' generated names and pod-template-hash
 * (k8s.io/apimachinery/pkg/util/rand.SafeEncodeString: `bcdfghjklmnpqrstvwxz2456789`, no
 * vowels, no 0/1/3), which is what keeps ordinary words ("exporter", "proxy") from being taken
 * for a suffix. The hash is a uint32 printed in decimal then safe-encoded: 6 to 10 characters
 * except for one hash in ~40,000.
 *
 * Known limits: a bare pod whose name ends like a generated suffix (`web-2`, `cache-bdfgh`) is
 * taken for a StatefulSet or DaemonSet pod; a ReplicaSet created by hand (not by a Deployment)
 * keeps its own name only if it has no hash-like segment; without `nodeName`, a static pod on
 * a node whose name ends in `-<digits>` (kind: `kube-apiserver-kind-1-35`) loses those digits.
 */

export type WorkloadKind = 'static' | 'cronjob' | 'deployment' | 'daemonset-or-job' | 'statefulset' | 'pod';

export interface Workload {
  name: string;
  kind: WorkloadKind;
}

const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const CRONJOB = new RegExp(`^(.+)-\\d{8,}-${SAFE}{5}$`);
const REPLICASET = new RegExp(`^(.+)-${SAFE}{6,10}-${SAFE}{5}$`);
const GENERATED = new RegExp(`^(.+)-${SAFE}{5}$`);
const ORDINAL = /^(.+)-\d+$/;

/** The workload of a pod (see the table above). `nodeName` lets static pods be recognised. */
export function workloadOf(pod: string, nodeName?: string): Workload {
  if (nodeName !== undefined && nodeName !== '' && pod.length > nodeName.length + 1 && pod.endsWith(`-${nodeName}`)) {
    return { name: pod.slice(0, pod.length - nodeName.length - 1), kind: 'static' };
  }
  let match = CRONJOB.exec(pod);
  if (match !== null) return { name: match[1], kind: 'cronjob' };
  match = REPLICASET.exec(pod);
  if (match !== null) return { name: match[1], kind: 'deployment' };
  match = GENERATED.exec(pod);
  if (match !== null) return { name: match[1], kind: 'daemonset-or-job' };
  match = ORDINAL.exec(pod);
  if (match !== null) return { name: match[1], kind: 'statefulset' };
  return { name: pod, kind: 'pod' };
}
