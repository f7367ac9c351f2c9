/**
 * `npm run fuzz [-- CASES [SEED]]`: a long fuzz run outside jest (default: a million cases).
 * Prints progress; exits 1 with the offending input on the first finding.
 */
import { fuzz, loadCorpus } from './fuzz';

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 1_000_000);
  const seed = Number(process.argv[3] ?? Date.now() % 1_000_000);
  const corpus = loadCorpus();
  const batch = 10_000;
  let done = 0;
  let parsed = 0;
  const started = Date.now();
  for (let round = 0; done < total; round++) {
    const stats = await fuzz(seed + round, Math.min(batch, total - done), corpus);
    done += stats.cases;
    parsed += stats.parsed;
    process.stdout.write(`\r${done} cases (${parsed} parsed), seed ${seed}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  process.stdout.write(`\nno findings in ${done} cases\n`);
}

main().catch((err: unknown) => {
  process.stdout.write('\n');
  console.error(err);
  process.exit(1);
});
