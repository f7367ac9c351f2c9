/**
 * What a plugin emits in one round, collected and rendered as Prometheus text (0.0.4) for its
 * output core. Plugins emit derived series, a handful to a few thousand per round, so going
 * through text costs little and buys everything a scrape gets: interning, encoding once per
 * series, staleness markers, the same validation.
 *
 * Samples are grouped by family in the text (the format wants a family's lines together) in
 * the order families were first mentioned. Names are checked here, so a bad name fails the
 * plugin with a message naming it instead of a parse error at some column of generated text.
 */
import { ScrapewireError } from '../errors';
import type { EmittedType, Emitter } from './types';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface EmittedFamily {
  type?: EmittedType;
  help?: string;
  /** Rendered sample lines, without the trailing newline. */
  lines: string[];
}

export class CollectingEmitter implements Emitter {
  private readonly families = new Map<string, EmittedFamily>();
  private samples = 0;
  /** Set once the round is over: a plugin that emits later (a stray callback) is refused. */
  private sealed = false;

  constructor(readonly plugin: string) {}

  family(name: string, type: EmittedType, help?: string): void {
    this.checkOpen();
    this.checkMetricName(name);
    if (type !== 'counter' && type !== 'gauge' && type !== 'untyped') {
      throw this.error(`family ${name}: type must be counter, gauge or untyped, not ${JSON.stringify(type)}`);
    }
    const family = this.familyOf(name);
    if (family.type !== undefined) throw this.error(`family ${name} described twice in one round`);
    family.type = type;
    family.help = help;
  }

  sample(name: string, labels: Readonly<Record<string, string>>, value: number, timestampMs?: number): void {
    this.checkOpen();
    this.checkMetricName(name);
    if (typeof value !== 'number') throw this.error(`sample of ${name}: value must be a number`);
    let rendered = name;
    let first = true;
    for (const labelName of Object.keys(labels)) {
      const labelValue = labels[labelName];
      if (!LABEL_NAME.test(labelName) || labelName.startsWith('__')) {
        throw this.error(`sample of ${name}: invalid label name ${JSON.stringify(labelName)}`);
      }
      if (typeof labelValue !== 'string') {
        throw this.error(`sample of ${name}: label ${labelName} must be a string`);
      }
      if (labelValue === '') continue;
      rendered += `${first ? '{' : ','}${labelName}="${escapeLabelValue(labelValue)}"`;
      first = false;
    }
    if (!first) rendered += '}';
    rendered += ` ${formatValue(value)}`;
    if (timestampMs !== undefined) {
      if (!Number.isSafeInteger(timestampMs)) throw this.error(`sample of ${name}: timestamp must be an integer of ms`);
      rendered += ` ${timestampMs}`;
    }
    this.familyOf(name).lines.push(rendered);
    this.samples++;
  }

  /** Samples emitted so far. */
  get sampleCount(): number {
    return this.samples;
  }

  /** Ends the round: further calls throw. */
  seal(): void {
    this.sealed = true;
  }

  /** The round as exposition text (an empty page when nothing was emitted). */
  render(): string {
    let text = '';
    for (const [name, family] of this.families) {
      if (family.help !== undefined) text += `# HELP ${name} ${escapeHelp(family.help)}\n`;
      if (family.type !== undefined) text += `# TYPE ${name} ${family.type}\n`;
      for (const line of family.lines) text += `${line}\n`;
    }
    return text;
  }

  private familyOf(name: string): EmittedFamily {
    let family = this.families.get(name);
    if (family === undefined) {
      family = { lines: [] };
      this.families.set(name, family);
    }
    return family;
  }

  private checkOpen(): void {
    if (this.sealed) throw this.error('emit called after collect() returned');
  }

  private checkMetricName(name: string): void {
    if (typeof name !== 'string' || !METRIC_NAME.test(name)) throw this.error(`invalid metric name ${JSON.stringify(name)}`);
  }

  private error(reason: string): ScrapewireError {
    return new ScrapewireError('ERR_PLUGIN', reason, { target: `plugin ${this.plugin}` });
  }
}

function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

function escapeHelp(help: string): string {
  return /[\\\n]/.test(help) ? help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : help;
}

/** Go's strconv.ParseFloat reads every JS number rendering, exponents included; the specials are spelled its way. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
