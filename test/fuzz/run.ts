/**
 * `npm run fuzz -- --runs 1000000 [--seed N] [--minutes M] [--only name,name]`: a long fuzz run
 * outside jest. The runs are shared among the properties by weight (properties.ts); with
 * --minutes each property gets its share of the time too and stops there (the report says how
 * many cases ran). Every finding is printed with its shrunk counterexample and the seed and path
 * that replay it; the exit code is 1 when there was one.
 */
import fc from 'fast-check';
import { PROPERTIES } from './properties';

interface Args {
  runs: number;
  seed: number;
  minutes: number;
  only: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 1_000_000, seed: Date.now() % 2 ** 31, minutes: 0, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--runs': args.runs = Number(value); i++; break;
      case '--seed': args.seed = Number(value); i++; break;
      case '--minutes': args.minutes = Number(value); i++; break;
      case '--only': args.only = value.split(','); i++; break;
      default: throw new Error(`unknown argument ${argv[i]} (--runs N, --seed N, --minutes M, --only a,b)`);
    }
  }
  if (!(args.runs > 0) || !Number.isFinite(args.seed)) throw new Error('--runs must be positive and --seed a number');
  return args;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const selected = PROPERTIES.filter((p) => args.only.length === 0 || args.only.includes(p.name));
  const weights = selected.reduce((sum, p) => sum + p.weight, 0);
  const started = Date.now();
  let total = 0;
  let findings = 0;
  process.stdout.write(`fuzz: ${args.runs} runs, seed ${args.seed}${args.minutes > 0 ? `, at most ${args.minutes} min` : ''}, properties ${selected.map((p) => p.name).join(', ')}\n`);
  for (const named of selected) {
    const numRuns = Math.max(1, Math.round((args.runs * named.weight) / weights));
    const timeLimit = args.minutes > 0 ? (args.minutes * 60_000 * named.weight) / weights : undefined;
    const propertyStarted = Date.now();
    const details = fc.check(named.property(), {
      numRuns,
      seed: args.seed,
      interruptAfterTimeLimit: timeLimit,
      markInterruptAsFailure: false,
      endOnFailure: false,
      includeErrorInReport: true,
    }) as fc.RunDetails<unknown>;
    const seconds = (Date.now() - propertyStarted) / 1000;
    total += details.numRuns;
    const ran = `${details.numRuns} cases in ${seconds.toFixed(0)} s${details.interrupted ? ` (time limit; ${numRuns} asked)` : ''}`;
    if (details.failed) {
      findings++;
      process.stdout.write(`${named.name}: FINDING after ${ran}\n${fc.defaultReportMessage(details)}\n`);
    } else {
      process.stdout.write(`${named.name}: ${ran}, no finding\n`);
    }
  }
  process.stdout.write(`total: ${total} cases in ${((Date.now() - started) / 60_000).toFixed(1)} min, ${findings} finding(s)\n`);
  process.exitCode = findings > 0 ? 1 : 0;
}

main();
