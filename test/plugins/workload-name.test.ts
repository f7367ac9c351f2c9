/** The workload heuristic of workload-cpu, case by case. */
import { workloadOf } from '../../src/plugins/builtin/workload-name';

describe('workloadOf', () => {
  test.each([
    ['coredns-7d764666f9-qdcxt', undefined, 'coredns', 'deployment'],
    ['e2e-kube-state-metrics-75b885dc9-97mtr', undefined, 'e2e-kube-state-metrics', 'deployment'],
    ['kube-proxy-8k9zt', undefined, 'kube-proxy', 'daemonset-or-job'],
    ['node-exporter-bzx2p', undefined, 'node-exporter', 'daemonset-or-job'],
    ['web-0', undefined, 'web', 'statefulset'],
    ['e2e-statefulset-12', undefined, 'e2e-statefulset', 'statefulset'],
    ['nightly-report-28012345-bzq7x', undefined, 'nightly-report', 'cronjob'],
    ['kube-apiserver-datagen-1-35', 'datagen-1-35', 'kube-apiserver', 'static'],
    // Without the node name the static pod's node suffix is only partly stripped (documented limit).
    ['kube-apiserver-datagen-1-35', undefined, 'kube-apiserver-datagen-1', 'statefulset'],
    ['storage-provisioner', undefined, 'storage-provisioner', 'pod'],
    // Words with vowels are not generated suffixes.
    ['metrics-exporter', undefined, 'metrics-exporter', 'pod'],
    ['api-proxy', undefined, 'api-proxy', 'pod'],
  ])('%s (node %s) -> %s (%s)', (pod, nodeName, name, kind) => {
    expect(workloadOf(pod, nodeName)).toEqual({ name, kind });
  });
});
