/**
 * File-based service discovery, as Prometheus's file_sd_configs: JSON or YAML files holding a
 * list of `{targets: [...], labels: {...}}` groups, named by paths whose last element may be a
 * glob. The files are read at start, then re-read whenever their directory changes (fs.watch)
 * and every `refresh_interval` in case a change notification was missed.
 *
 * Events:
 * - `update` (groups: TargetGroup[]): every group from every matching file, sorted by file then
 *   position; emitted once after start and then only when the set of groups changed. Each group
 *   carries the label `__meta_filepath`, as in Prometheus.
 * - `fileError` (error: ConfigError): a file could not be read or is invalid. As in Prometheus,
 *   that file's previous groups are kept until it is fixed or deleted.
 *
 * Write target files atomically (write a temporary name that does not match the glob, then
 * rename), or a reader may see half a file and report it.
 */
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../config/errors';
import { readTargetGroup } from '../config/scrape';
import type { FileSdConfig, TargetGroup } from '../config/types';
import { YamlReader, type ConfigProblem } from '../config/yaml-reader';
import { GroupDiff } from './group-diff';
import type { DiscoveryProvider, GroupsListener } from './types';

export const FILE_PATH_LABEL = '__meta_filepath';

/** Go filepath.Match syntax for the last path element: `*`, `?`, `[...]` and `\` escapes. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\' && i + 1 < glob.length) source += `\\${glob[++i]}`;
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) { source += '\\['; continue; }
      const body = glob.slice(i + 1, end).replace(/^\^/, '!').replace(/\\/g, '\\\\');
      source += body.startsWith('!') ? `[^${body.slice(1)}]` : `[${body}]`;
      i = end;
    } else source += c.replace(/[.+^${}()|\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Parses the text of one target file into groups; throws ConfigError naming file and line. */
export function parseTargetFile(text: string, fileName: string): TargetGroup[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((error): ConfigProblem => ({
      file: fileName, line: lineCounter.linePos(error.pos[0]).line, message: `yaml: ${error.message.split('\n')[0]}`,
    })));
  }
  const reader = new YamlReader(doc, lineCounter, fileName);
  const root = reader.resolve(doc.contents);
  const groups: TargetGroup[] = [];
  if (root !== null && !isSeq(root)) {
    reader.error(root, '', 'expected a list of target groups');
  } else {
    reader.sequence(root, '', (item, itemPath) => {
      const group = readTargetGroup(reader, item, itemPath, 'target group');
      if (group === undefined) return;
      groups.push({
        targets: group.targets,
        labels: { ...group.labels, [FILE_PATH_LABEL]: fileName },
        source: `${fileName}:${groups.length}`,
      });
    });
  }
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return groups;
}

export class FileSd extends EventEmitter {
  private readonly patterns: Array<{ dir: string; match: RegExp }>;
  private readonly groupsByFile = new Map<string, TargetGroup[]>();
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastEmitted: string | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;
  private stopped = true;

  /**
   * `watch: false` relies on the refresh_interval timer alone (for file systems where change
   * notifications do not arrive, such as some network mounts).
   */
  constructor(private readonly config: FileSdConfig, private readonly options: { watch?: boolean } = {}) {
    super();
    this.patterns = config.files.map((file) => ({ dir: path.dirname(file), match: globToRegExp(path.basename(file)) }));
  }

  /** The groups as of the last refresh. */
  get groups(): TargetGroup[] {
    return [...this.groupsByFile.keys()].sort().flatMap((file) => this.groupsByFile.get(file)!);
  }

  /** Reads every file once (emitting `update`), then starts watching. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.refresh();
    const dirs = this.options.watch === false ? [] : new Set(this.patterns.map((pattern) => pattern.dir));
    for (const dir of dirs) {
      try {
        const watcher = watch(dir, { persistent: false }, () => void this.refresh());
        watcher.on('error', () => { /* the refresh timer still covers this directory */ });
        this.watchers.push(watcher);
      } catch {
        // The directory does not exist yet; the refresh timer will find files once it does.
      }
    }
    this.timer = setInterval(() => void this.refresh(), this.config.refresh_interval);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    for (const watcher of this.watchers.splice(0)) watcher.close();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Re-reads the files now. Concurrent calls coalesce: a call during a refresh schedules exactly
   * one more, so a burst of change notifications costs at most two reads.
   */
  refresh(): Promise<void> {
    if (this.running !== undefined) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.rerun = false;
        await this.readAll();
      } while (this.rerun && !this.stopped);
    })().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async listFiles(): Promise<string[]> {
    const files = new Set<string>();
    for (const { dir, match } of this.patterns) {
      let entries: string[];
      try {
        entries = await readdir(dir);
      } catch {
        continue;
      }
      for (const entry of entries) if (match.test(entry)) files.add(path.join(dir, entry));
    }
    return [...files].sort();
  }

  private async readAll(): Promise<void> {
    const files = await this.listFiles();
    for (const known of [...this.groupsByFile.keys()]) if (!files.includes(known)) this.groupsByFile.delete(known);
    for (const file of files) {
      try {
        this.groupsByFile.set(file, parseTargetFile(await readFile(file, 'utf8'), file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') { this.groupsByFile.delete(file); continue; }
        const error = err instanceof ConfigError ? err
          : new ConfigError([{ file, line: 0, message: `cannot read target file: ${(err as Error).message}` }], { cause: err });
        this.emit('fileError', error);
      }
    }
    if (this.stopped) return;
    const groups = this.groups;
    const serialized = JSON.stringify(groups);
    if (serialized !== this.lastEmitted) {
      this.lastEmitted = serialized;
      this.emit('update', groups);
    }
  }
}

/** file_sd_configs[i] as a discovery provider (each group keeps its `<file>:<index>` source). */
export class FileSdProvider implements DiscoveryProvider {
  private readonly sd: FileSd;
  private readonly diff = new GroupDiff();

  constructor(readonly name: string, config: FileSdConfig, options: { watch?: boolean; onError?: (error: Error) => void } = {}) {
    this.sd = new FileSd(config, { watch: options.watch });
    this.sd.on('fileError', (error: Error) => options.onError?.(error));
  }

  async start(onGroups: GroupsListener): Promise<void> {
    this.sd.on('update', (groups: TargetGroup[]) => {
      const changed = this.diff.next(groups.map((group) => ({
        source: group.source,
        labels: group.labels,
        targets: group.targets.map((address) => ({ __address__: address })),
      })));
      if (changed.length > 0) onGroups(changed);
    });
    await this.sd.start();
  }

  async stop(): Promise<void> {
    this.sd.stop();
  }
}
