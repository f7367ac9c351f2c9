/**
 * A cAdvisor-like page, as the kubelet serves it on /metrics/cadvisor: container_* families
 * (no histograms), HELP and TYPE on each, labels sorted by name with empty values kept
 * (container="", image="" on pod-level cgroups), a millisecond timestamp on every sample, and
 * values printed by Go's strconv 'g'. One unit is one cgroup: a system slice, a pod-level cgroup,
 * a pause container or an application container.
 */
import { FamilyModel, PageModel, PageWriter, RenderContext, header, label, sampleLine } from './model';
import { Rng } from './prng';
import { count, magnitude, mostlyZero, seconds, unixSeconds } from './values';

export interface CadvisorUnit {
  /** `container="..."`, the first label in sorted order. */
  readonly container: string;
  /** `id="...",image="..."`. */
  readonly idImage: string;
  /** `name="...",namespace="..."`. */
  readonly nameNamespace: string;
  /** `pod="..."`. */
  readonly pod: string;
  readonly devices: readonly string[];
  readonly interfaces: readonly string[];
  /** cAdvisor's per-container sample time lags the scrape by a few ms. */
  readonly timestampLagMs: number;
}

type Shape = 'plain' | 'cpu' | 'device' | 'blkio' | 'failures' | 'interface' | 'state' | 'ulimit';
type ValueFn = (values: Rng, timestampMs: number) => string;

const NAMESPACES = ['kube-system', 'monitoring', 'default', 'ingress-nginx', 'payments', 'search', 'checkout', 'logging', 'cert-manager', 'data-pipeline'];
const SERVICES = ['api', 'web', 'worker', 'gateway', 'indexer', 'scheduler', 'cache', 'auth', 'billing', 'notifier', 'ranker', 'ingest'];
const SIDECARS = ['istio-proxy', 'fluent-bit', 'config-reloader', 'oauth2-proxy'];
const REGISTRIES = ['docker.io/library', 'registry.k8s.io', 'quay.io/prometheus', 'ghcr.io/acme-corp', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform'];
const SYSTEM_SLICES = ['containerd.service', 'kubelet.service', 'systemd-journald.service', 'sshd.service', 'chronyd.service', 'systemd-udevd.service', 'dbus.service'];
const DEVICES = ['/dev/nvme0n1', '/dev/nvme1n1', '/dev/nvme0n1p1', '/dev/sda', '/dev/mapper/data-vol'];

function makeUnit(index: number, rng: Rng): CadvisorUnit {
  const roll = rng.next();
  const namespace = rng.pick(NAMESPACES);
  const service = `${rng.pick(SERVICES)}${rng.chance(0.5) ? `-${rng.pick(SERVICES)}` : ''}`;
  const podName = `${service}-${rng.alnum(10)}-${rng.alnum(5)}`;
  const podUid = rng.uuid();
  const qos = rng.pick(['burstable', 'besteffort', 'guaranteed']);
  const podCgroup = qos === 'guaranteed' ? `/kubepods/pod${podUid}` : `/kubepods/${qos}/pod${podUid}`;
  const lagMs = rng.int(900);
  const ns = (name: string, nsValue: string) => `${label('name', name)},${label('namespace', nsValue)}`;
  const idImage = (id: string, image: string) => `${label('id', id)},${label('image', image)}`;

  if (roll < 0.08 || index < 4) {
    // A system slice: only id is set.
    const slice = `/system.slice/${SYSTEM_SLICES[index % SYSTEM_SLICES.length]}${index >= SYSTEM_SLICES.length ? `-${rng.alnum(6)}` : ''}`;
    return {
      container: label('container', ''),
      idImage: idImage(slice, ''),
      nameNamespace: ns('', ''),
      pod: label('pod', ''),
      devices: [rng.pick(DEVICES)],
      interfaces: [],
      timestampLagMs: lagMs,
    };
  }
  if (roll < 0.22) {
    // The pod-level cgroup: network counters live here.
    return {
      container: label('container', ''),
      idImage: idImage(podCgroup, ''),
      nameNamespace: ns('', namespace),
      pod: label('pod', podName),
      devices: [],
      interfaces: rng.chance(0.2) ? ['eth0', 'tunl0'] : ['eth0'],
      timestampLagMs: lagMs,
    };
  }
  const containerId = rng.hex(64);
  if (roll < 0.36) {
    return {
      container: label('container', 'POD'),
      idImage: idImage(`${podCgroup}/${containerId}`, 'registry.k8s.io/pause:3.9'),
      nameNamespace: ns(containerId, namespace),
      pod: label('pod', podName),
      devices: [],
      interfaces: ['eth0'],
      timestampLagMs: lagMs,
    };
  }
  const sidecar = rng.chance(0.3);
  const containerName = sidecar ? rng.pick(SIDECARS) : service;
  const version = `${rng.range(0, 3)}.${rng.range(0, 40)}.${rng.range(0, 20)}`;
  const image = `${rng.pick(REGISTRIES)}/${containerName}:v${version}`;
  const devices = rng.chance(0.4) ? [DEVICES[0], rng.pick(DEVICES.slice(1))] : [DEVICES[0]];
  return {
    container: label('container', containerName),
    idImage: idImage(`${podCgroup}/${containerId}`, image),
    nameNamespace: ns(containerId, namespace),
    pod: label('pod', podName),
    devices,
    interfaces: [],
    timestampLagMs: lagMs,
  };
}

function family(name: string, type: 'counter' | 'gauge', help: string, shape: Shape, value: ValueFn): FamilyModel<CadvisorUnit> {
  return {
    header: header(name, type, help),
    render({ unit: u, values, timestampMs }: RenderContext<CadvisorUnit>, out: PageWriter): void {
      const ts = timestampMs - u.timestampLagMs;
      const line = (labels: string) => out.sample(sampleLine(name, labels, value(values, timestampMs), ts));
      switch (shape) {
        case 'plain':
          line(`${u.container},${u.idImage},${u.nameNamespace},${u.pod}`);
          break;
        case 'cpu':
          line(`${u.container},cpu="total",${u.idImage},${u.nameNamespace},${u.pod}`);
          break;
        case 'device':
          for (const device of u.devices) line(`${u.container},device="${device}",${u.idImage},${u.nameNamespace},${u.pod}`);
          break;
        case 'blkio':
          u.devices.forEach((device, minor) => {
            for (const operation of ['Read', 'Write']) {
              line(`${u.container},device="${device}",${u.idImage},major="259",minor="${minor}",${u.nameNamespace},operation="${operation}",${u.pod}`);
            }
          });
          break;
        case 'failures':
          for (const failureType of ['pgfault', 'pgmajfault']) {
            for (const scope of ['container', 'hierarchy']) {
              line(`${u.container},failure_type="${failureType}",${u.idImage},${u.nameNamespace},${u.pod},scope="${scope}"`);
            }
          }
          break;
        case 'interface':
          for (const iface of u.interfaces) line(`${u.container},${u.idImage},interface="${iface}",${u.nameNamespace},${u.pod}`);
          break;
        case 'state':
          for (const state of ['iowaiting', 'running', 'sleeping', 'stopped', 'uninterruptible']) {
            line(`${u.container},${u.idImage},${u.nameNamespace},${u.pod},state="${state}"`);
          }
          break;
        case 'ulimit':
          line(`${u.container},${u.idImage},${u.nameNamespace},${u.pod},ulimit="max_open_files"`);
          break;
      }
    },
  };
}

const secondsUpTo = (max: number): ValueFn => (values) => seconds(values, max);
const bytes: ValueFn = (values) => magnitude(values, 4096, 3e10);
const small = (max: number): ValueFn => (values) => count(values, max);
const rare: ValueFn = (values) => mostlyZero(values, 0.9, 5000);
const since = (maxAge: number): ValueFn => (values, ts) => unixSeconds(values, ts, maxAge);

const FAMILIES: FamilyModel<CadvisorUnit>[] = [
  family('container_blkio_device_usage_total', 'counter', 'Blkio Device bytes usage', 'blkio', bytes),
  family('container_cpu_cfs_periods_total', 'counter', 'Number of elapsed enforcement period intervals.', 'plain', (v) => magnitude(v, 1, 5e7)),
  family('container_cpu_cfs_throttled_periods_total', 'counter', 'Number of throttled period intervals.', 'plain', rare),
  family('container_cpu_cfs_throttled_seconds_total', 'counter', 'Total time duration the container has been throttled.', 'plain', secondsUpTo(3000)),
  family('container_cpu_load_average_10s', 'gauge', 'Value of container cpu load average over the last 10 seconds.', 'plain', () => '0'),
  family('container_cpu_system_seconds_total', 'counter', 'Cumulative system cpu time consumed in seconds.', 'plain', secondsUpTo(50000)),
  family('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed in seconds.', 'cpu', secondsUpTo(2e6)),
  family('container_cpu_user_seconds_total', 'counter', 'Cumulative user cpu time consumed in seconds.', 'plain', secondsUpTo(2e6)),
  family('container_file_descriptors', 'gauge', 'Number of open file descriptors for the container.', 'plain', small(300)),
  family('container_fs_inodes_free', 'gauge', 'Number of available Inodes', 'device', (v) => magnitude(v, 1e5, 3e7)),
  family('container_fs_inodes_total', 'gauge', 'Number of Inodes', 'device', () => '3.2768e+07'),
  family('container_fs_io_current', 'gauge', 'Number of I/Os currently in progress', 'device', () => '0'),
  family('container_fs_io_time_seconds_total', 'counter', 'Cumulative count of seconds spent doing I/Os', 'device', secondsUpTo(1e4)),
  family('container_fs_io_time_weighted_seconds_total', 'counter', 'Cumulative weighted I/O time in seconds', 'device', secondsUpTo(1e5)),
  family('container_fs_limit_bytes', 'gauge', 'Number of bytes that can be consumed by the container on this filesystem.', 'device', () => '1.07361579008e+11'),
  family('container_fs_read_seconds_total', 'counter', 'Cumulative count of seconds spent reading', 'device', secondsUpTo(1e3)),
  family('container_fs_reads_bytes_total', 'counter', 'Cumulative count of bytes read', 'device', bytes),
  family('container_fs_reads_merged_total', 'counter', 'Cumulative count of reads merged', 'device', rare),
  family('container_fs_reads_total', 'counter', 'Cumulative count of reads completed', 'device', (v) => magnitude(v, 1, 1e8)),
  family('container_fs_sector_reads_total', 'counter', 'Cumulative count of sector reads completed', 'device', (v) => magnitude(v, 1, 1e9)),
  family('container_fs_sector_writes_total', 'counter', 'Cumulative count of sector writes completed', 'device', (v) => magnitude(v, 1, 1e9)),
  family('container_fs_usage_bytes', 'gauge', 'Number of bytes that are consumed by the container on this filesystem.', 'device', bytes),
  family('container_fs_write_seconds_total', 'counter', 'Cumulative count of seconds spent writing', 'device', secondsUpTo(1e3)),
  family('container_fs_writes_bytes_total', 'counter', 'Cumulative count of bytes written', 'device', bytes),
  family('container_fs_writes_merged_total', 'counter', 'Cumulative count of writes merged', 'device', rare),
  family('container_fs_writes_total', 'counter', 'Cumulative count of writes completed', 'device', (v) => magnitude(v, 1, 1e8)),
  family('container_last_seen', 'gauge', 'Last time a container was seen by the exporter', 'plain', since(1)),
  family('container_memory_cache', 'gauge', 'Number of bytes of page cache memory.', 'plain', bytes),
  family('container_memory_failcnt', 'counter', 'Number of memory usage hits limits', 'plain', () => '0'),
  family('container_memory_failures_total', 'counter', 'Cumulative count of memory allocation failures.', 'failures', (v) => magnitude(v, 1, 5e9)),
  family('container_memory_kernel_usage', 'gauge', 'Size of kernel memory allocated in bytes.', 'plain', bytes),
  family('container_memory_mapped_file', 'gauge', 'Size of memory mapped files in bytes.', 'plain', bytes),
  family('container_memory_max_usage_bytes', 'gauge', 'Maximum memory usage recorded in bytes', 'plain', bytes),
  family('container_memory_rss', 'gauge', 'Size of RSS in bytes.', 'plain', bytes),
  family('container_memory_swap', 'gauge', 'Container swap usage in bytes.', 'plain', () => '0'),
  family('container_memory_usage_bytes', 'gauge', 'Current memory usage in bytes, including all memory regardless of when it was accessed', 'plain', bytes),
  family('container_memory_working_set_bytes', 'gauge', 'Current working set in bytes.', 'plain', bytes),
  family('container_network_receive_bytes_total', 'counter', 'Cumulative count of bytes received', 'interface', bytes),
  family('container_network_receive_errors_total', 'counter', 'Cumulative count of errors encountered while receiving', 'interface', rare),
  family('container_network_receive_packets_dropped_total', 'counter', 'Cumulative count of packets dropped while receiving', 'interface', rare),
  family('container_network_receive_packets_total', 'counter', 'Cumulative count of packets received', 'interface', (v) => magnitude(v, 1, 1e10)),
  family('container_network_transmit_bytes_total', 'counter', 'Cumulative count of bytes transmitted', 'interface', bytes),
  family('container_network_transmit_errors_total', 'counter', 'Cumulative count of errors encountered while transmitting', 'interface', rare),
  family('container_network_transmit_packets_dropped_total', 'counter', 'Cumulative count of packets dropped while transmitting', 'interface', rare),
  family('container_network_transmit_packets_total', 'counter', 'Cumulative count of packets transmitted', 'interface', (v) => magnitude(v, 1, 1e10)),
  family('container_oom_events_total', 'counter', 'Count of out of memory events observed for the container', 'plain', rare),
  family('container_processes', 'gauge', 'Number of processes running inside the container.', 'plain', small(60)),
  family('container_sockets', 'gauge', 'Number of open sockets for the container.', 'plain', small(500)),
  family('container_spec_cpu_period', 'gauge', 'CPU period of the container.', 'plain', () => '100000'),
  family('container_spec_cpu_quota', 'gauge', 'CPU quota of the container.', 'plain', (v) => v.pick(['0', '50000', '100000', '200000', '400000'])),
  family('container_spec_cpu_shares', 'gauge', 'CPU share of the container.', 'plain', (v) => v.pick(['2', '102', '256', '1024', '2048'])),
  family('container_spec_memory_limit_bytes', 'gauge', 'Memory limit for the container.', 'plain', (v) => v.pick(['0', '1.34217728e+08', '5.36870912e+08', '2.147483648e+09'])),
  family('container_spec_memory_reservation_limit_bytes', 'gauge', 'Memory reservation limit for the container.', 'plain', () => '0'),
  family('container_spec_memory_swap_limit_bytes', 'gauge', 'Memory swap limit for the container.', 'plain', (v) => v.pick(['0', '9.223372036854772e+18', '1.34217728e+08'])),
  family('container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds.', 'plain', since(3e7)),
  family('container_tasks_state', 'gauge', 'Number of tasks in given state', 'state', (v) => mostlyZero(v, 0.7, 40)),
  family('container_threads', 'gauge', 'Number of threads running inside the container', 'plain', small(400)),
  family('container_threads_max', 'gauge', 'Maximum number of threads allowed inside the container, infinity if value is zero', 'plain', (v) => v.pick(['0', '4096', '32768'])),
  family('container_ulimits_soft', 'gauge', 'Soft ulimit values for the container root process. Unlimited if -1, except priority and nice', 'ulimit', () => '1.048576e+06'),
];

export const cadvisorModel: PageModel<CadvisorUnit> = {
  families: FAMILIES,
  unit: makeUnit,
};
